/**
 * The widget's own texts come from the server, in the conversation's language (OP1, the
 * domain's texts.py): this only looks them up and fills in {placeholders}.
 */

/** A function t(key, values) over one language's texts; an unknown key shows itself. */
export function translator(texts) {
  const table = texts || {};
  return function t(key, values = {}) {
    let text = Object.prototype.hasOwnProperty.call(table, key) ? table[key] : key;
    for (const [name, value] of Object.entries(values)) {
      text = text.split(`{${name}}`).join(String(value));
    }
    return text;
  };
}

/** The reason shown under a message the server refused: its own text when the widget has
 * one for the error's code, else the generic "not sent". */
export function refusalText(t, error) {
  const code = error && error.code;
  if (code === "consent_required") return t("widget.agree_first");
  if (code === "conversation_closed") return t("widget.conversation_closed");
  const key = `widget.error.${code}`;
  const specific = t(key);
  return specific !== key ? specific : t("widget.not_sent");
}
