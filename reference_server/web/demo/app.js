/* A single-page app that loads the chat inline through the SDK (CV6): the widget loads only on
   the Support route, inside #chat-inline, and is removed again on the other routes. */
window.hsConversationsSettings = { loadImmediately: false, inlineEmbedSelector: "#chat-inline" };
(function () {
  var views = {
    "/demo/app": ["Dashboard", "Your rentals at a glance: 1 tent out, due back Sunday."],
    "/demo/app/orders": ["Orders", "Order 1043 shipped yesterday; order 1044 is being packed."],
    "/demo/app/support": ["Support", "Chat with us below."]
  };
  function log(name, payload) {
    var item = document.createElement("li");
    item.textContent = name + " " + JSON.stringify(payload || {});
    document.getElementById("sdk-events").appendChild(item);
  }
  function render() {
    var path = location.pathname.replace(/\/+$/, "") || "/demo/app";
    var view = views[path] || ["Not found", "No such page in this app."];
    var section = document.getElementById("view");
    section.textContent = "";
    var h = document.createElement("h1"); h.textContent = view[0];
    var p = document.createElement("p"); p.textContent = view[1];
    section.append(h, p);
    var api = window.HubSpotConversations;
    if (!api) return;
    if (path === "/demo/app/support") {
      if (api.widget.status().loaded) api.widget.refresh(); else api.widget.load();
    } else if (api.widget.status().loaded) {
      api.widget.remove();
    }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-route]");
    if (!link) return;
    event.preventDefault();
    history.pushState(null, "", link.getAttribute("href"));
    render();
  });
  window.addEventListener("popstate", render);
  function onReady() {
    var api = window.HubSpotConversations;
    ["widgetLoaded", "widgetClosed", "conversationStarted", "conversationClosed",
     "userSelectedThread", "unreadConversationCountChanged", "contactAssociated",
     "userInteractedWithWidget"].forEach(function (name) {
      api.on(name, function (payload) { log(name, payload); });
    });
    render();
  }
  render();
  if (window.HubSpotConversations) onReady();
  else window.hsConversationsOnReady = [onReady];
})();
