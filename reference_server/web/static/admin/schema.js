/*
 * The settings model as the server documents it: the named schemas of /openapi.json,
 * generated from the domain's dataclasses. The forms are built from these, so every field
 * of the model is editable and none is described twice.
 */

let loaded = null;

export function loadSchemas() {
  if (!loaded) {
    loaded = fetch("/openapi.json", { credentials: "same-origin" })
      .then((response) => response.json())
      .then((document) => document.components.schemas);
  }
  return loaded;
}

/** The schema a node stands for, following $ref and allOf: [{$ref}] wrappers. */
export function resolve(schemas, node) {
  let current = node || {};
  for (let guard = 0; guard < 10; guard += 1) {
    if (current.$ref) current = schemas[current.$ref.split("/").pop()];
    else if (current.allOf && current.allOf.length === 1) current = current.allOf[0];
    else break;
  }
  return current;
}

/** {schema, nullable} of a node: anyOf [X, null] becomes X, nullable. */
export function unwrap(schemas, node) {
  const options = node && node.anyOf;
  if (options) {
    const other = options.filter((option) => option.type !== "null");
    return { schema: resolve(schemas, other[0]), nullable: other.length < options.length };
  }
  return { schema: resolve(schemas, node), nullable: false };
}
