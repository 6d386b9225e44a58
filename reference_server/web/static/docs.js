/* The interactive API page (/docs): Swagger UI over the server's own OpenAPI document. */
window.ui = window.SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: true,
  defaultModelsExpandDepth: 0,
  docExpansion: "none"
});
