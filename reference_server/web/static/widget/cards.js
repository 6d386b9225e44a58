/**
 * The cards in the chat thread: consent (OP4, OP5), the cookie banner (OP3), email capture
 * (BD2), the end of a conversation with the survey (OP7) and the offer of a new one.
 * Each builder returns its element and the functions that update it; what they show is
 * decided elsewhere (the server's decisions, consent.js).
 */

import { h, safeUrl } from "./dom.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** OP4 notice with "I agree", OP5 checkbox. ``show(view, t)`` takes consent.js's view. */
export function consentCard({ onAgree, onCommunication }) {
  const text = h("p", { testid: "lc-consent-text" });
  const privacy = h("a", { target: "_blank", rel: "noopener noreferrer", testid: "lc-privacy-link" });
  const privacyLine = h("p", {}, [privacy]);
  const box = h("input", { type: "checkbox", testid: "lc-communication-checkbox" });
  box.addEventListener("change", () => onCommunication(box.checked));
  const boxText = h("span", { testid: "lc-communication-text" });
  const boxLine = h("label", { class: "lc-check" }, [box, boxText]);
  const agree = h("button", { class: "lc-button", type: "button", testid: "lc-agree", onclick: onAgree });
  const error = h("div", { class: "lc-error", role: "alert", hidden: true });
  const actions = h("div", { class: "lc-actions" }, [agree]);
  const element = h("div", { class: "lc-card", testid: "lc-consent", hidden: true }, [
    text,
    privacyLine,
    boxLine,
    actions,
    error,
  ]);
  return {
    element,
    show(view, t) {
      element.hidden = !view.card;
      text.textContent = view.noticeText;
      text.hidden = !view.noticeText;
      const url = safeUrl(view.privacyUrl);
      privacyLine.hidden = !url;
      if (url) privacy.setAttribute("href", url);
      privacy.textContent = t("widget.privacy_policy");
      boxLine.hidden = !view.checkbox;
      boxText.textContent = view.checkboxText;
      box.checked = view.checkboxChecked;
      actions.hidden = !view.agree;
      agree.textContent = t("widget.agree");
      agree.disabled = false;
    },
    busy() {
      agree.disabled = true;
      error.hidden = true;
    },
    failed(message) {
      agree.disabled = false;
      error.textContent = message;
      error.hidden = false;
    },
  };
}

/** OP3: the cookie banner's text with Accept / No thanks. */
export function cookieBanner({ testid, className, onAnswer }) {
  const element = h("div", { class: className, testid, hidden: true });
  return {
    element,
    show(text, t) {
      element.textContent = "";
      element.appendChild(h("p", { testid: "lc-cookie-text", text }));
      element.appendChild(
        h("div", { class: "lc-actions" }, [
          h("button", {
            class: "lc-button",
            type: "button",
            testid: "lc-cookie-accept",
            text: t("widget.accept"),
            onclick: () => onAnswer(true),
          }),
          h("button", {
            class: "lc-button lc-secondary",
            type: "button",
            testid: "lc-cookie-decline",
            text: t("widget.decline"),
            onclick: () => onAnswer(false),
          }),
        ]),
      );
      element.hidden = false;
    },
    hide() {
      element.hidden = true;
    },
  };
}

/** BD2: the email form and its thanks. ``onSubmit(email)`` returns a promise. */
export function emailCard({ onSubmit }) {
  const input = h("input", { type: "email", testid: "lc-email-input", autocomplete: "email" });
  const text = h("p", { testid: "lc-email-text" });
  const error = h("div", { class: "lc-error", testid: "lc-email-error", role: "alert", hidden: true });
  const submit = h("button", { class: "lc-button", type: "submit", testid: "lc-email-submit" });
  let t = (key) => key;
  const form = h(
    "form",
    {
      class: "lc-card",
      testid: "lc-email-form",
      hidden: true,
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        const email = input.value.trim();
        if (!EMAIL.test(email)) {
          error.textContent = t("widget.email_invalid");
          error.hidden = false;
          return;
        }
        error.hidden = true;
        submit.disabled = true;
        onSubmit(email).then(
          () => {
            form.hidden = true;
            thanks.textContent = t("widget.email_thanks", { email });
            thanks.hidden = false;
          },
          (failure) => {
            submit.disabled = false;
            error.textContent = (failure && failure.message) || t("widget.email_invalid");
            error.hidden = false;
          },
        );
      },
    },
    [text, h("div", { class: "lc-row" }, [input, submit]), error],
  );
  const thanks = h("div", { class: "lc-card", testid: "lc-email-thanks", hidden: true });
  return {
    elements: [form, thanks],
    ask(prompt, tr) {
      t = tr;
      text.textContent = prompt;
      input.setAttribute("aria-label", tr("widget.email_label"));
      input.setAttribute("placeholder", tr("widget.email_label"));
      submit.textContent = tr("widget.send");
      submit.disabled = false;
      form.hidden = false;
    },
    hide() {
      form.hidden = true;
      thanks.hidden = true;
    },
  };
}

/** The end of a conversation: the notice, and the survey (OP7) while unanswered. */
export function closedCard({ onRate }) {
  const notice = h("div", { class: "lc-card lc-closed", testid: "lc-closed", role: "status", hidden: true });
  const survey = h("div", { class: "lc-card", testid: "lc-csat", hidden: true });
  return {
    elements: [notice, survey],
    show(text) {
      notice.textContent = text;
      notice.hidden = false;
    },
    hide() {
      notice.hidden = true;
      survey.hidden = true;
    },
    /** The survey's question, a 1-5 rating and a comment; ``onRate(rating, comment)``
     * returns a promise. */
    survey(question, t) {
      let rating = 0;
      survey.textContent = "";
      const stars = h("div", { class: "lc-stars", role: "group" });
      const submit = h("button", {
        class: "lc-button",
        type: "button",
        testid: "lc-csat-submit",
        disabled: true,
        text: t("widget.submit"),
      });
      for (let value = 1; value <= 5; value += 1) {
        stars.appendChild(
          h("button", {
            class: "lc-star",
            type: "button",
            testid: `lc-csat-rating-${value}`,
            "aria-pressed": "false",
            "aria-label": String(value),
            text: String(value),
            onclick: () => {
              rating = value;
              Array.from(stars.children).forEach((button, index) => {
                button.setAttribute("aria-pressed", String(index + 1 === value));
              });
              submit.disabled = false;
            },
          }),
        );
      }
      const comment = h("textarea", {
        testid: "lc-csat-comment",
        maxlength: "2000",
        placeholder: t("widget.csat_comment"),
        "aria-label": t("widget.csat_comment"),
      });
      submit.addEventListener("click", () => {
        if (!rating) return;
        submit.disabled = true;
        onRate(rating, comment.value.trim()).then(
          () => {
            survey.textContent = "";
            survey.appendChild(h("p", { testid: "lc-csat-thanks", text: t("widget.csat_thanks") }));
          },
          () => {
            submit.disabled = false;
          },
        );
      });
      survey.appendChild(h("p", { testid: "lc-csat-question", text: question || t("widget.csat_question") }));
      survey.appendChild(stars);
      survey.appendChild(comment);
      survey.appendChild(submit);
      survey.hidden = false;
    },
  };
}
