// Runs the widget's decision-showing modules on the server's real answers, for
// tests/server/test_widget_conformance.py: reads {cases: [...]} as JSON on stdin and writes
// what the JavaScript would show for each, as JSON on stdout.
import { consentView, bannerDue } from "../../reference_server/web/static/widget/consent.js";
import { refusalText, translator } from "../../reference_server/web/static/widget/texts.js";
import { fires, watched } from "../../reference_server/web/static/widget/triggers.js";

const MOMENTS = ["widget_load", "before_chat", "exit_intent"];

let input = "";
for await (const chunk of process.stdin) input += chunk;
const { cases } = JSON.parse(input);

const results = cases.map(({ config, events }) => {
  const view = consentView({
    notice: config.presentation.consent,
    send: config.send,
    given: config.consent.given,
    started: false,
  });
  const t = translator(config.presentation.texts);
  const triggers = watched(config.display);
  return {
    sendBlocked: view.sendBlocked,
    agree: view.agree,
    hint: view.hint,
    banner: Object.fromEntries(MOMENTS.map((moment) => [moment, bannerDue(config.consent.banner_at, moment)])),
    refusals: {
      consent_required: refusalText(t, { code: "consent_required" }),
      conversation_closed: refusalText(t, { code: "conversation_closed" }),
    },
    fired: (events || []).map((event) => triggers !== null && fires(triggers, event)),
  };
});
process.stdout.write(JSON.stringify(results));
