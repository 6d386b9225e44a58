/**
 * The help tab (BD5): browse the knowledge base's articles, search them (the server ranks,
 * domain/knowledge.py) and read one. ``request`` is the widget's REST call.
 */

import { h } from "./dom.js";

export function helpPanel({ kbId, request, t }) {
  const path = (rest) => `/knowledge-base/${encodeURIComponent(kbId)}${rest}`;
  const search = h("input", {
    type: "search",
    testid: "lc-kb-search",
    "aria-label": t("widget.search"),
    placeholder: t("widget.search"),
  });
  const results = h("ul", { class: "lc-results", testid: "lc-kb-results" });
  const article = h("article", { class: "lc-article", testid: "lc-kb-article", hidden: true });
  let asked = 0;
  let timer = null;
  let browsed = false;

  function show(items) {
    article.hidden = true;
    results.hidden = false;
    results.textContent = "";
    if (!items.length) {
      results.appendChild(h("li", { class: "lc-result", testid: "lc-kb-empty", text: t("widget.no_results") }));
      return;
    }
    for (const item of items) {
      results.appendChild(
        h("li", { class: "lc-result" }, [
          h(
            "button",
            { type: "button", testid: "lc-kb-result", "data-article-id": item.id, onclick: () => open(item.id) },
            [
              h("span", { class: "lc-result-title", testid: "lc-kb-result-title", text: item.title }),
              h("span", { class: "lc-result-meta", text: item.snippet || item.category || "" }),
            ],
          ),
        ]),
      );
    }
  }

  function browse() {
    request("GET", path("/articles")).then(
      (items) => {
        if (!search.value.trim()) show(items || []);
      },
      (error) => console.warn("livechat: help", error),
    );
  }

  function find() {
    const query = search.value.trim();
    if (!query) {
      browse();
      return;
    }
    asked += 1;
    const mine = asked;
    request("GET", path(`/search?q=${encodeURIComponent(query.slice(0, 200))}`)).then(
      (hits) => {
        if (mine === asked) show(hits || []);
      },
      (error) => console.warn("livechat: search", error),
    );
  }

  function open(articleId) {
    request("GET", path(`/articles/${encodeURIComponent(articleId)}`)).then(
      (found) => {
        article.textContent = "";
        article.appendChild(
          h("button", {
            class: "lc-link",
            type: "button",
            testid: "lc-kb-back",
            text: `‹ ${t("widget.back")}`,
            onclick: () => {
              article.hidden = true;
              results.hidden = false;
            },
          }),
        );
        article.appendChild(h("h3", { testid: "lc-kb-article-title", text: found.title }));
        String(found.body || "")
          .split(/\n{2,}/)
          .forEach((paragraph) => article.appendChild(h("p", { text: paragraph })));
        results.hidden = true;
        article.hidden = false;
      },
      (error) => console.warn("livechat: article", error),
    );
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(find, 300);
  });
  const element = h("div", { class: "lc-help", testid: "lc-help-panel", hidden: true }, [
    h(
      "form",
      {
        class: "lc-search",
        role: "search",
        onsubmit: (event) => {
          event.preventDefault();
          clearTimeout(timer);
          find();
        },
      },
      [search, h("button", { class: "lc-button", type: "submit", testid: "lc-kb-submit", text: t("widget.search") })],
    ),
    results,
    article,
  ]);
  return {
    element,
    /** The tab is shown: the first time, list the articles. */
    shown() {
      if (browsed) return;
      browsed = true;
      browse();
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
