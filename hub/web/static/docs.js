// Swagger UI for /docs, from the hub's own copy (no network needed).
window.addEventListener('load', function () {
  window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: false,
    persistAuthorization: false
  })
})
