FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 10001 hub
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY policies ./policies
RUN pip install --no-cache-dir .
USER hub
ENV HUB_POLICY_DIR=/app/policies HUB_KEY_DIR=/keys
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "mash-hub init && mash-hub serve --host 0.0.0.0 --port 8000"]
