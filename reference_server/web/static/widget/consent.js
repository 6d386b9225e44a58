/**
 * Consent state as the widget shows it (OP3-OP5). Every rule is the server's (the domain's
 * consent.py, through the config and the conversation views): whether sending is blocked
 * and why (``send``), the moment the cookie banner is due (``banner_at``), what the visitor
 * has already given (``given``). This module only turns those decisions into what to show;
 * a conformance test checks it against the domain.
 */

/** What the chat panel shows about consent.
 *
 * notice — the chatflow's data-processing notice and checkbox (presentation.consent);
 * send — may the visitor write ({allowed, reason, message, missing});
 * given — what holds already ({cookies, data_processing, communication});
 * started — the visitor has an open conversation on screen.
 */
export function consentView({ notice, send, given, started }) {
  const plan = notice || {};
  const decision = send || { allowed: true, reason: null, message: "", missing: [] };
  const needsAgreement =
    decision.reason === "consent_required" && (decision.missing || []).includes("data_processing");
  // The notice shows while it asks for something, and before the first message when it
  // informs only (legitimate interest): once chatting, the thread gets the room.
  const showNotice =
    Boolean(plan.data_processing) &&
    (needsAgreement || (!started && plan.data_processing === "legitimate_interest"));
  const showCheckbox = Boolean(plan.communication_checkbox) && !started;
  return {
    card: showNotice || showCheckbox,
    noticeText: showNotice ? plan.data_processing_text || "" : "",
    privacyUrl: showNotice ? plan.privacy_policy_url || "" : "",
    agree: needsAgreement,
    checkbox: showCheckbox,
    checkboxText: showCheckbox ? plan.communication_text || "" : "",
    checkboxChecked: Boolean(given && given.communication),
    sendBlocked: decision.reason === "consent_required",
    hint: decision.reason === "consent_required" ? decision.message || "" : "",
  };
}

/** Whether the cookie banner shows at ``moment`` ("widget_load", "before_chat" or
 * "exit_intent"): only at the moment the server named, and only while not answered on
 * this page. */
export function bannerDue(bannerAt, moment, answeredHere = false) {
  return !answeredHere && Boolean(bannerAt) && bannerAt === moment;
}
