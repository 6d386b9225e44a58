/*
 * Sound and desktop notifications for the inbox: a short chime (Web Audio, no file) and,
 * once the agent has allowed it, a desktop notification — for a new chat and for a chat
 * assigned to the agent. Browsers allow both only after the agent's own click, so nothing
 * sounds or shows until they switch notifications on.
 */

let audio = null;
let enabled = false;

export function notificationsOn() {
  return enabled;
}

/** Switch on after a click: unlock sound and ask for desktop notifications. */
export async function enableNotifications() {
  enabled = true;
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") await audio.resume();
  } catch (e) { audio = null; }
  if ("Notification" in window && Notification.permission === "default") {
    try { await Notification.requestPermission(); } catch (e) { /* refused */ }
  }
  return desktopAllowed();
}

export function desktopAllowed() {
  return "Notification" in window && Notification.permission === "granted";
}

function chime() {
  if (!audio) return;
  const now = audio.currentTime;
  for (const [offset, pitch] of [[0, 880], [0.16, 1320]]) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = pitch;
    gain.gain.setValueAtTime(0.0001, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.15, now + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + offset + 0.25);
    tone.connect(gain).connect(audio.destination);
    tone.start(now + offset);
    tone.stop(now + offset + 0.3);
  }
}

/** Tell the agent: a chime, and a desktop notification when allowed. Returns what it did. */
export function notify(title, body, onClick) {
  if (!enabled) return { sound: false, desktop: false };
  chime();
  let desktop = false;
  if (desktopAllowed()) {
    try {
      const shown = new Notification(title, { body, tag: title + body });
      shown.onclick = () => { window.focus(); if (onClick) onClick(); shown.close(); };
      desktop = true;
    } catch (e) { desktop = false; }
  }
  document.dispatchEvent(new CustomEvent("inbox:notified", { detail: { title, body, desktop } }));
  return { sound: !!audio, desktop };
}
