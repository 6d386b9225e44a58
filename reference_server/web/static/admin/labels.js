/*
 * The console's words for the settings model: field names and choice values as the seed
 * product's screens name them. Anything not listed is shown with its name made readable,
 * so a new setting appears in the forms at once (the forms come from the schema).
 */

const BY_PATH = {
  "build.assignment.enabled": "Assign conversations automatically",
  "assignment.enabled": "Assign conversations automatically",
  "build.knowledge_base.enabled": "Enable knowledge base search",
  "options.cookie_consent.enabled": "Ask for consent to chat cookies",
  "options.data_processing_consent.enabled": "Ask for consent to process data",
  "options.communication_consent.enabled": "Ask for consent to communicate",
  "options.csat.enabled": "Collect feedback from chat visitors",
  "build.email_capture.message": "Message shown when asking (empty: the default text)",
  "options.cookie_consent.text": "Banner text (empty: the default text)",
  "options.data_processing_consent.text": "Consent text (empty: the default text)",
  "options.communication_consent.text": "Checkbox text (empty: the default text)",
  "build.heading.kind": "Chat heading",
  "heading.kind": "Chat heading",
  "build.availability.mode": "Availability",
  "availability.mode": "Availability",
  "options.cookie_consent.timing": "Show the consent banner",
  "options.data_processing_consent.kind": "Consent type",
  "build.email_capture.when": "Ask visitors for their email address",
  "build.heading.user_ids": "Users shown",
  "heading.user_ids": "Users shown",
  "build.heading.team_ids": "Teams shown",
  "heading.team_ids": "Teams shown",
  "build.assignment.user_ids": "Assign to users (with a seat)",
  "assignment.user_ids": "Assign to users (with a seat)",
  "build.assignment.team_ids": "Assign to teams",
  "assignment.team_ids": "Assign to teams",
};

const BY_NAME = {
  welcome_message: "Welcome message",
  email_capture: "Email capture",
  heading: "Chat avatar and heading",
  brand_name: "Brand name",
  brand_avatar_url: "Brand picture (URL)",
  brand_alias: "Use the branding as an alias for agents throughout the conversation (and in the transcript)",
  assignment: "Assignment",
  contact_owner_first: "Route to the contact's owner first, when they can take it",
  skill_rules: "Skill-based routing rules",
  property: "Conversation property",
  skills: "Skills needed (comma-separated)",
  strategy: "Distribution among available users",
  queue_timeout_seconds: "Leave a waiting chat for later after, in seconds (empty: wait for ever)",
  away_chats: "When an agent goes away, their open chats",
  availability: "Availability",
  timezone: "Time zone",
  office_hours: "Chat office hours",
  day: "Day",
  start: "From",
  end: "To",
  reply_time: "Show the typical reply time",
  away_message_enabled: "Show an away message while the team is away",
  away_message: "Away message",
  offline_behaviour: "Outside office hours",
  at_capacity_behaviour: "If all team members are at maximum capacity",
  wait_message: "Wait message",
  knowledge_base: "Knowledge base",
  knowledge_base_id: "Knowledge base",
  groups: "Show the chat where (filter groups)",
  exclusions: "Never show the chat where (exclusion rules)",
  accent_color: "Accent colour",
  desktop: "Desktop",
  mobile: "Mobile",
  triggers: "Triggers (desktop, tablet and mobile)",
  exit_intent: "On exit intent",
  time_on_page_seconds: "Time on page, in seconds (empty: off)",
  scroll_percentage: "Percentage of the page scrolled (empty: off)",
  ticket_defaults: "Ticket properties for tickets from this chatflow",
  cookie_consent: "Consent to collect chat cookies",
  data_processing_consent: "Consent to process data",
  privacy_policy_url: "Privacy policy link",
  communication_consent: "Consent to communicate",
  subscription_type: "Subscription type",
  marketing_contacts: "Set contacts created from this chatflow as marketing contacts",
  csat: "Customer satisfaction survey",
  survey_id: "Survey (delivered by chat)",
  language: "Language",
  priority: "Priority (lower wins when several chatflows match a page)",
  name: "Name",
};

const VALUES = {
  user_availability: "Based on user availability",
  office_hours: "Based on chat office hours",
  always: "Chat is available 24/7",
  none: "Don't show",
  few_minutes: "A few minutes",
  few_hours: "A few hours",
  a_day: "A day",
  return_time: "Show the return time",
  away_message: "Show an away message",
  hide_launcher: "Hide the chat launcher",
  nothing: "Do nothing",
  wait_message: "Show a wait message",
  round_robin: "Round robin",
  least_busy: "Least busy",
  most_busy: "Most busy",
  longest_idle: "Longest idle",
  keep: "Stay with them",
  requeue: "Go back to the queue",
  when_unavailable: "Only when no one is available",
  never: "Never",
  users_and_teams: "Specific users and teams",
  contact_owner: "The contact's owner",
  branding: "Branding (team name and picture)",
  prompt: "Pop up the welcome message as a prompt",
  launcher: "Show the chat launcher only",
  prompt_then_open: "Show the welcome message and pop open the chat when a trigger fires",
  before_chat: "Before the visitor starts a chat",
  on_exit: "When the visitor starts to leave the page",
  explicit: "Require explicit consent (\u201cI agree\u201d)",
  legitimate_interest: "Legitimate interest",
  page_url: "Page URL",
  query_parameter: "Query parameter",
  visitor: "Visitor",
  contact_property: "Contact property",
  device: "Device type",
  all_pages: "is any page",
  is: "is",
  is_not: "is not",
  contains: "contains",
  does_not_contain: "does not contain",
  starts_with: "starts with",
  ends_with: "ends with",
  matches_wildcard: "matches wildcard",
  is_known: "is known",
  is_unknown: "is unknown",
  known_contact: "a known contact",
  unknown_visitor: "an unknown visitor",
  desktop: "desktop",
  tablet: "tablet",
  mobile: "mobile",
  monday: "Monday",
  tuesday: "Tuesday",
  wednesday: "Wednesday",
  thursday: "Thursday",
  friday: "Friday",
  saturday: "Saturday",
  sunday: "Sunday",
  inbox: "Inbox",
  helpdesk: "Help desk",
  en: "English",
  nb: "Norwegian (Bokmål)",
};

/** "build.availability.office_hours[2].start" -> "build.availability.office_hours.start" */
export function pattern(path) {
  return path.replace(/\[\d+\]/g, "");
}

function humane(name) {
  const text = name.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function labelOf(path) {
  const plain = pattern(path);
  if (BY_PATH[plain]) return BY_PATH[plain];
  const name = plain.split(".").pop();
  return BY_NAME[name] || humane(name);
}

export function valueLabel(value) {
  return VALUES[value] || humane(String(value));
}
