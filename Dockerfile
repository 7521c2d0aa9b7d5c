# The pages' assets: GOV.UK Frontend and Swagger UI from npm, and the one stylesheet.
FROM node:20-slim AS web-assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY hub/web/styles ./hub/web/styles
RUN node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps \
    --load-path=node_modules hub/web/styles/hub.scss hub.css

FROM python:3.11-slim
WORKDIR /app
RUN useradd --create-home --uid 10001 hub
COPY pyproject.toml README.md ./
COPY hub ./hub
COPY --from=web-assets /build/hub.css ./hub/web/static/build/hub.css
COPY policies ./policies
RUN pip install --no-cache-dir .
COPY --from=web-assets /build/node_modules/govuk-frontend/dist/govuk ./web-assets/govuk-frontend/dist/govuk
COPY --from=web-assets /build/node_modules/swagger-ui-dist ./web-assets/swagger-ui-dist
USER hub
ENV HUB_POLICY_DIR=/app/policies HUB_KEY_DIR=/keys HUB_WEB_ASSETS_DIR=/app/web-assets
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["sh", "-c", "mash-hub init && mash-hub serve --host 0.0.0.0 --port 8000"]
