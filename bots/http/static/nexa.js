/*
 * Nexa help-center widget. Plain JavaScript, no build step, no dependencies.
 *
 * Embed with one line:
 *   <script src="https://HOST/widget/nexa.js" data-title="Acme Help" data-color="#0b6e4f"
 *           data-greeting="Hi! Ask me anything about Acme." defer></script>
 *
 * The API base is the origin of this script's own src. The anonymous session token lives in
 * localStorage ("nexa.session"); history is fetched on load, so a conversation survives a reload.
 * Server text is only ever inserted with textContent / DOM nodes, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="/widget/nexa.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || window.__nexaWidget) return;

  var ORIGIN = new URL(script.src, document.baseURI).origin;
  var API = ORIGIN + "/api/v1/widget";
  var SESSION_KEY = "nexa.session";
  var OPEN_KEY = "nexa.open";
  var CONFIG = {
    title: script.getAttribute("data-title") || "Help",
    color: script.getAttribute("data-color") || "#0b6e4f",
    greeting: script.getAttribute("data-greeting") || "Hi! How can we help?"
  };
  var CONSENT_TEXT = "I agree that Nexa stores my email and this conversation to answer me";

  // ---------------------------------------------------------------- storage (may be unavailable)

  var memory = {};
  var storage = {
    get: function (key) {
      try { return window.localStorage.getItem(key); } catch (e) { return memory[key] || null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(key, value); } catch (e) { memory[key] = value; }
    },
    remove: function (key) {
      try { window.localStorage.removeItem(key); } catch (e) { delete memory[key]; }
    }
  };

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === "text") node.textContent = value;
        else if (name === "className") node.className = value;
        else if (name.slice(0, 2) === "on" && typeof value === "function") node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function absoluteUrl(path) {
    try {
      var url = new URL(path, ORIGIN);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function citationLink(citation) {
    var href = absoluteUrl(citation.url);
    var label = "[" + citation.number + "]";
    if (!href) return document.createTextNode(label);
    return el("a", {
      className: "nexa-cite", href: href, target: "_blank", rel: "noopener",
      title: citation.title || "", "data-testid": "nexa-cite", "data-number": citation.number
    }, [label]);
  }

  /** Inline text: `[n]` markers become citation links, `**x**` becomes <strong>. */
  function renderInline(parent, text, byNumber) {
    var pattern = /\*\*([^*]+)\*\*|\[(\d+)\]/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        var strong = el("strong");
        renderInline(strong, match[1], byNumber);
        parent.appendChild(strong);
      } else if (byNumber[match[2]]) {
        parent.appendChild(citationLink(byNumber[match[2]]));
      } else {
        parent.appendChild(document.createTextNode(match[0]));
      }
      last = pattern.lastIndex;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  var NUMBERED = /^\s*(\d{1,3})[.)]\s+/;
  var BULLET = /^\s*[-*\u2022]\s+/;

  /** One block's lines as runs: numbered lines become an <ol> (steps stay steps), bullets a <ul>, the rest a paragraph. */
  function renderBlock(container, lines, byNumber) {
    var run = null;
    lines.forEach(function (line) {
      var numbered = NUMBERED.exec(line);
      var kind = numbered ? "ol" : BULLET.test(line) ? "ul" : "p";
      if (!run || run.kind !== kind) {
        var node = kind === "p" ? el("p", { className: "nexa-para" }) : el(kind, { className: "nexa-list" });
        if (numbered && numbered[1] !== "1") node.setAttribute("start", numbered[1]);
        container.appendChild(node);
        run = { kind: kind, node: node, lines: 0 };
      }
      if (kind === "p") {
        if (run.lines) run.node.appendChild(el("br"));
        renderInline(run.node, line, byNumber);
      } else {
        var item = el("li");
        renderInline(item, line.replace(kind === "ol" ? NUMBERED : BULLET, ""), byNumber);
        run.node.appendChild(item);
      }
      run.lines += 1;
    });
  }

  /** An answer as paragraphs, numbered and bullet lists, with citations and a "Sources" list. */
  function renderAnswer(container, answer, citations) {
    var byNumber = {};
    (citations || []).forEach(function (c) { byNumber[String(c.number)] = c; });
    container.textContent = "";
    String(answer || "").replace(/\r\n/g, "\n").split(/\n{2,}/).forEach(function (block) {
      var lines = block.split("\n").filter(function (line) { return line.trim() !== ""; });
      if (lines.length) renderBlock(container, lines, byNumber);
    });
    if (citations && citations.length) {
      var sources = el("ol", { className: "nexa-sources-list" });
      citations.forEach(function (c) {
        var href = absoluteUrl(c.url);
        var title = c.title || ("Article " + c.number);
        var item = el("li", { "data-number": c.number }, [el("span", { className: "nexa-source-number", text: "[" + c.number + "] " })]);
        item.appendChild(href ? el("a", { href: href, target: "_blank", rel: "noopener", className: "nexa-source-link" }, [title])
                              : document.createTextNode(title));
        sources.appendChild(item);
      });
      container.appendChild(el("div", { className: "nexa-sources", "data-testid": "nexa-sources" }, [
        el("p", { className: "nexa-sources-title", text: "Sources" }), sources
      ]));
    }
  }

  // ---------------------------------------------------------------- HTTP

  var sessionToken = storage.get(SESSION_KEY);

  function problemOf(response) {
    return response.text().then(function (body) {
      var problem = {};
      try { problem = JSON.parse(body) || {}; } catch (e) { problem = {}; }
      problem.status = problem.status || response.status;
      problem.retryAfter = response.headers.get("Retry-After") || response.headers.get("RateLimit-Reset");
      return problem;
    }, function () { return { status: response.status }; });
  }

  function ensureSession() {
    if (sessionToken) return Promise.resolve(sessionToken);
    return fetch(API + "/session", { method: "POST", headers: { "Accept": "application/json" }, credentials: "omit" })
      .then(function (response) { return response; }, function () { throw { status: 0, detail: "network" }; })
      .then(function (response) {
        if (!response.ok) return problemOf(response).then(function (p) { throw p; });
        return response.json();
      })
      .then(function (body) {
        sessionToken = body.session;
        storage.set(SESSION_KEY, sessionToken);
        return sessionToken;
      });
  }

  function badSession(problem) {
    return problem && problem.status === 400 && problem.field === "X-Nexa-Session";
  }

  function forgetSession() {
    sessionToken = null;
    storage.remove(SESSION_KEY);
  }

  /** A widget API call; resolves to the response, rejects with a problem object. A stale token is replaced once. */
  function call(path, options, retried) {
    return ensureSession().then(function (token) {
      var headers = { "X-Nexa-Session": token, "Accept": (options && options.accept) || "application/json" };
      var init = { method: (options && options.method) || "GET", headers: headers, credentials: "omit" };
      if (options && options.body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(options.body);
      }
      return fetch(API + path, init).then(function (response) {
        if (response.ok) return response;
        return problemOf(response).then(function (problem) {
          if (badSession(problem) && !retried) {
            forgetSession();
            return call(path, options, true);
          }
          throw problem;
        });
      }, function () {
        throw { status: 0, detail: "network" };
      });
    });
  }

  function callJson(path, options) {
    return call(path, options).then(function (response) { return response.json(); });
  }

  /** A server-sent-event parser: feed it text with push(), then end(); calls onEvent(name, data) per frame. */
  function eventParser(onEvent) {
    var buffer = "";

    function dispatch(frame) {
      var name = "message";
      var data = [];
      frame.split("\n").forEach(function (line) {
        if (!line || line.charAt(0) === ":") return;
        var colon = line.indexOf(":");
        var field = colon < 0 ? line : line.slice(0, colon);
        var value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") name = value;
        else if (field === "data") data.push(value);
      });
      if (!data.length) return;
      var parsed;
      try { parsed = JSON.parse(data.join("\n")); } catch (e) { parsed = { text: data.join("\n") }; }
      onEvent(name, parsed);
    }

    function drain(final) {
      // A lone "\r" at the end may be the first half of "\r\n": keep it for the next chunk.
      var cut = !final && buffer.charAt(buffer.length - 1) === "\r" ? buffer.length - 1 : buffer.length;
      var text = buffer.slice(0, cut).replace(/\r\n?/g, "\n");
      var rest = buffer.slice(cut);
      var index;
      while ((index = text.indexOf("\n\n")) >= 0) {
        dispatch(text.slice(0, index));
        text = text.slice(index + 2);
      }
      if (final && text.trim()) {
        dispatch(text);
        text = "";
      }
      buffer = text + rest;
    }

    return {
      push: function (text) { buffer += text; drain(false); },
      end: function () { drain(true); }
    };
  }

  function parseFrames(text, onEvent) {
    var parser = eventParser(onEvent);
    parser.push(text);
    parser.end();
  }

  /** Read a streamed response body as server-sent events, as the bytes arrive. */
  function readEvents(response, onEvent) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var parser = eventParser(onEvent);

    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          parser.push(decoder.decode());
          parser.end();
          return;
        }
        parser.push(decoder.decode(chunk.value, { stream: true }));
        return pump();
      });
    }
    return pump();
  }

  // ---------------------------------------------------------------- friendly errors

  function describe(problem, text) {
    var status = problem && problem.status;
    if (status === 0) return "We couldn't reach the help center. Please check your connection and try again.";
    if (status === 413) {
      var limit = /at most (\d+)/.exec((problem && problem.detail) || "");
      return "Your message is too long" + (text ? " (" + text.length + " characters" + (limit ? "; the limit is " + limit[1] : "") + ")" : "") +
        ". Please shorten it and try again.";
    }
    if (status === 429) {
      var wait = parseInt(problem.retryAfter, 10);
      return "You're sending messages a little quickly. Please wait " + (wait > 0 ? wait + " seconds" : "a moment") + " and try again.";
    }
    if (status === 502 || status === 503) return "The assistant is unavailable right now. Please try again shortly, or talk to a person.";
    if (problem && problem.detail && status && status < 500) return "Sorry, that didn't work: " + problem.detail;
    return "Sorry, something went wrong on our side. Please try again.";
  }

  // ---------------------------------------------------------------- the widget

  var root, launcher, panel, scroller, log, input, sendButton, errorBox, handoffSection, csatSection;
  var busy = false;
  var ticketNumber = null;
  var csatDone = false;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function clearError() {
    errorBox.textContent = "";
    errorBox.hidden = true;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function setOpen(open, focus) {
    panel.hidden = !open;
    root.classList.toggle("nexa-is-open", open);
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    launcher.setAttribute("aria-label", open ? "Close help chat" : "Open help chat");
    storage.set(OPEN_KEY, open ? "1" : "0");
    if (open) {
      scrollToEnd();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  function messageNode(role) {
    var body = el("div", { className: "nexa-bubble" });
    var node = el("div", { className: "nexa-message nexa-message-" + role, "data-testid": "nexa-message", "data-role": role }, [body]);
    log.appendChild(node);
    return { node: node, body: body };
  }

  function addUserMessage(text) {
    var message = messageNode("user");
    message.body.textContent = text;
    scrollToEnd();
    return message;
  }

  function answerActions(message, handoffSuggested) {
    var actions = el("div", { className: "nexa-actions" }, [
      el("button", { type: "button", className: "nexa-action", "data-testid": "nexa-helped", onclick: helped, text: "That helped" }),
      el("button", {
        type: "button", className: "nexa-action" + (handoffSuggested ? " nexa-action-primary" : ""),
        "data-testid": "nexa-handoff", onclick: openHandoff, text: "Talk to a person"
      })
    ]);
    message.node.appendChild(actions);
  }

  function finishAnswer(message, answer, citations, handoffSuggested) {
    renderAnswer(message.body, answer, citations);
    message.node.setAttribute("data-state", "done");
    message.node.removeAttribute("aria-busy");
    if (handoffSuggested) {
      message.node.appendChild(el("p", { className: "nexa-suggest", "data-testid": "nexa-suggest",
                                         text: "Would you like a person from our team to help?" }));
    }
    answerActions(message, handoffSuggested);
    scrollToEnd();
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    sendButton.setAttribute("aria-busy", value ? "true" : "false");
  }

  function send() {
    var text = input.value.trim();
    if (!text || busy) return;
    clearError();
    setBusy(true);
    input.value = "";
    var userMessage = addUserMessage(text);
    var answer = messageNode("assistant");
    answer.node.setAttribute("data-state", "streaming");
    answer.node.setAttribute("aria-busy", "true");
    answer.body.appendChild(el("span", { className: "nexa-typing", "aria-label": "Nexa is typing" }, [
      el("span"), el("span"), el("span")
    ]));
    var streamed = document.createTextNode("");
    var deltas = 0;
    var finished = false;

    function restoreText() {
      if (!input.value) input.value = text;
    }

    function fail(problem, keepQuestion) {
      if (finished) return;
      finished = true;
      if (!keepQuestion) {
        userMessage.node.remove();
        answer.node.remove();
      } else {
        answer.node.setAttribute("data-state", "error");
        answer.node.removeAttribute("aria-busy");
        answer.body.textContent = "Sorry, this answer could not be completed.";
      }
      restoreText();
      showError(describe(problem, text));
    }

    call("/messages", { method: "POST", body: { message: text }, accept: "text/event-stream" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/event-stream") < 0 || !response.body) {
          // A JSON reply (a proxy or server that does not stream); event frames mislabelled as JSON still work.
          return response.text().then(function (body) {
            var parsed = null;
            try { parsed = JSON.parse(body); } catch (e) { parsed = null; }
            if (parsed) {
              finished = true;
              finishAnswer(answer, parsed.answer, parsed.citations, parsed.handoff_suggested);
            } else {
              parseFrames(body, onEvent);
            }
            if (!finished) fail({ status: 502, detail: "unreadable reply" }, true);
          });
        }
        return readEvents(response, onEvent).then(function () {
          if (!finished) fail({ status: 502, detail: "interrupted" }, true);
        });
      })
      .catch(function (problem) {
        if (problem instanceof Error && window.console) window.console.error("nexa:", problem);
        // Before any text arrived the question was not answered: take it back into the input.
        fail(problem && problem.status !== undefined ? problem : { status: 0 }, deltas > 0);
      })
      .then(function () {
        setBusy(false);
        input.focus();
      });

    function onEvent(name, data) {
      if (finished) return;
      if (name === "delta") {
        if (!deltas) {
          answer.body.textContent = "";
          answer.body.appendChild(streamed);
        }
        deltas += 1;
        answer.node.setAttribute("data-deltas", String(deltas));
        streamed.appendData(data.text || "");
        scrollToEnd();
      } else if (name === "final") {
        finished = true;
        finishAnswer(answer, data.answer, data.citations, data.handoff_suggested);
      } else if (name === "error") {
        fail(data, true);
      }
    }
  }

  // ---------------------------------------------------------------- feedback, handoff, CSAT

  function helped(event) {
    var button = event.currentTarget;
    button.disabled = true;
    callJson("/feedback", { method: "POST", body: { helpful: true } }).then(function () {
      button.replaceWith(el("span", { className: "nexa-note nexa-helped-thanks", "data-testid": "nexa-helped-thanks",
                                      role: "status", text: "Glad it helped!" }));
      showCsat();
    }, function (problem) {
      button.disabled = false;
      showError(describe(problem));
    });
  }

  function fieldError(name) {
    return handoffSection.querySelector('[data-error-for="' + name + '"]');
  }

  function clearFieldErrors() {
    Array.prototype.forEach.call(handoffSection.querySelectorAll("[data-error-for]"), function (node) {
      node.textContent = "";
      node.hidden = true;
    });
    Array.prototype.forEach.call(handoffSection.querySelectorAll("[aria-invalid]"), function (node) {
      node.removeAttribute("aria-invalid");
    });
  }

  function showTicket(number, message) {
    ticketNumber = number;
    handoffSection.textContent = "";
    handoffSection.hidden = false;
    handoffSection.appendChild(el("p", { className: "nexa-ticket", "data-testid": "nexa-ticket", "data-ticket": number, role: "status" }, [
      message || ("A person from our team will answer by email. Your ticket number is #" + number + ".")
    ]));
    scrollToEnd();
  }

  function openHandoff() {
    if (ticketNumber !== null && !handoffSection.querySelector("form")) {
      handoffSection.hidden = false;
      scrollToEnd();
      return;
    }
    buildHandoffForm();
    handoffSection.hidden = false;
    scrollToEnd();
    handoffSection.querySelector("input[type=email]").focus();
  }

  function buildHandoffForm() {
    if (handoffSection.querySelector("form")) return;
    handoffSection.textContent = "";
    var email = el("input", {
      id: "nexa-email", type: "email", name: "email", autocomplete: "email", required: true,
      className: "nexa-field-input", "data-testid": "nexa-email", "aria-describedby": "nexa-email-error"
    });
    var consent = el("input", {
      id: "nexa-consent", type: "checkbox", name: "consent", "data-testid": "nexa-consent", "aria-describedby": "nexa-consent-error"
    });
    var reason = el("textarea", {
      id: "nexa-reason", name: "reason", rows: "2", maxlength: "2000", className: "nexa-field-input",
      "data-testid": "nexa-reason", "aria-describedby": "nexa-reason-error"
    });
    var submit = el("button", { type: "submit", className: "nexa-button", "data-testid": "nexa-handoff-submit", text: "Send to our team" });
    var cancel = el("button", {
      type: "button", className: "nexa-action", text: "Cancel",
      onclick: function () { handoffSection.hidden = true; input.focus(); }
    });
    var formError = el("p", { className: "nexa-field-error", "data-error-for": "form", "data-testid": "nexa-error-form", role: "alert", hidden: true });

    function errorNode(name) {
      return el("p", { id: "nexa-" + name + "-error", className: "nexa-field-error", "data-error-for": name,
                       "data-testid": "nexa-error-" + name, role: "alert", hidden: true });
    }

    var form = el("form", { className: "nexa-handoff-form", id: "nexa-handoff-form", novalidate: true, "data-testid": "nexa-handoff-form" }, [
      el("p", { className: "nexa-handoff-title", text: "Talk to a person" }),
      el("p", { className: "nexa-note", text: "Leave your email and we'll send this conversation to our team. They answer by email." }),
      el("label", { className: "nexa-label", for: "nexa-email", text: "Your email" }), email, errorNode("email"),
      el("label", { className: "nexa-consent", for: "nexa-consent" }, [consent, " " + CONSENT_TEXT]), errorNode("consent"),
      el("label", { className: "nexa-label", for: "nexa-reason", text: "What do you need help with? (optional)" }), reason, errorNode("reason"),
      formError,
      el("div", { className: "nexa-form-actions" }, [submit, cancel])
    ]);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearFieldErrors();
      submit.disabled = true;
      callJson("/handoff", {
        method: "POST",
        body: { email: email.value.trim(), consent: consent.checked, reason: reason.value.trim() }
      }).then(function (body) {
        showTicket(body.ticket_number, body.message);
        showCsat();
      }, function (problem) {
        submit.disabled = false;
        var name = problem && problem.field;
        var target = name && fieldError(name);
        var detail = (problem && problem.detail) || describe(problem);
        if (name && detail.indexOf(name + ": ") === 0) detail = detail.slice(name.length + 2);
        if (!target) {
          target = formError;
          detail = problem && problem.status === 400 ? detail : describe(problem);
        } else {
          var field = form.querySelector('[name="' + name + '"]');
          if (field) {
            field.setAttribute("aria-invalid", "true");
            field.focus();
          }
        }
        target.textContent = detail.charAt(0).toUpperCase() + detail.slice(1);
        target.hidden = false;
      });
    });
    handoffSection.appendChild(form);
  }

  function showCsat() {
    if (csatDone || csatSection.childNodes.length) {
      csatSection.hidden = false;
      return;
    }
    var buttons = [1, 2, 3, 4, 5].map(function (n) {
      return el("button", {
        type: "button", className: "nexa-star", "data-rating": n, "data-testid": "nexa-csat-" + n,
        "aria-label": "Rate " + n + " out of 5", title: n + " of 5", text: "\u2605",
        onclick: function () { rate(n); }
      });
    });
    var row = el("div", { className: "nexa-stars", role: "group", "aria-label": "Rate this conversation" }, buttons);
    csatSection.appendChild(el("p", { className: "nexa-csat-title", text: "How did we do?" }));
    csatSection.appendChild(row);
    csatSection.hidden = false;
    scrollToEnd();

    function rate(n) {
      buttons.forEach(function (b) { b.disabled = true; });
      callJson("/csat", { method: "POST", body: { rating: n } }).then(function () {
        csatDone = true;
        csatSection.textContent = "";
        csatSection.appendChild(el("p", { className: "nexa-note", role: "status", "data-testid": "nexa-csat-thanks",
                                          text: "Thank you for your feedback!" }));
      }, function (problem) {
        buttons.forEach(function (b) { b.disabled = false; });
        showError(describe(problem));
      });
    }
  }

  // ---------------------------------------------------------------- history

  function loadHistory() {
    if (!sessionToken) return;
    callJson("/history").then(function (body) {
      (body.messages || []).forEach(function (m) {
        if (m.role === "user") {
          addUserMessage(m.content);
        } else if (m.role === "assistant") {
          var message = messageNode("assistant");
          message.node.setAttribute("data-history", "true");
          finishAnswer(message, m.content, m.citations, false);
        }
      });
      if (body.ticket_number !== null && body.ticket_number !== undefined) {
        showTicket(body.ticket_number, "Your ticket #" + body.ticket_number + " is open: a person from our team will answer by email.");
      }
      root.setAttribute("data-history", "loaded");
      scrollToEnd();
    }, function (problem) {
      root.setAttribute("data-history", "failed");
      if (badSession(problem)) forgetSession();
      else showError("We couldn't load your earlier conversation. " + describe(problem));
    });
  }

  // ---------------------------------------------------------------- build

  function readableOn(color) {
    var hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
    if (!hex) return "#ffffff";
    var h = hex[1].length === 3 ? hex[1].replace(/./g, "$&$&") : hex[1];
    var channel = function (i) {
      var c = parseInt(h.substr(i, 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    };
    var luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    return luminance > 0.4 ? "#111111" : "#ffffff";
  }

  function build() {
    root = el("div", { className: "nexa-root", id: "nexa-widget", "data-testid": "nexa-widget" });
    if (!document.querySelector("link[data-nexa-css]")) {
      // Hidden until the styles arrive, so the host page never shows an unstyled widget.
      var reveal = function () { root.style.visibility = ""; };
      root.style.visibility = "hidden";
      var link = el("link", { rel: "stylesheet", href: ORIGIN + "/widget/nexa.css", "data-nexa-css": "true" });
      link.addEventListener("load", reveal);
      link.addEventListener("error", reveal);
      setTimeout(reveal, 3000);
      (document.head || document.documentElement).appendChild(link);
    }
    root.style.setProperty("--nexa-color", CONFIG.color);
    root.style.setProperty("--nexa-on-color", readableOn(CONFIG.color));

    launcher = el("button", {
      type: "button", id: "nexa-launcher", className: "nexa-launcher", "data-testid": "nexa-launcher",
      "aria-label": "Open help chat", "aria-expanded": "false", "aria-controls": "nexa-panel"
    }, [el("span", { className: "nexa-launcher-icon", "aria-hidden": "true", text: "?" })]);

    var titleId = "nexa-title";
    var closeButton = el("button", {
      type: "button", className: "nexa-close", "aria-label": "Close help chat", "data-testid": "nexa-close", text: "\u00d7",
      onclick: function () { setOpen(false, true); }
    });
    log = el("div", { className: "nexa-log", id: "nexa-log", role: "log", "aria-live": "polite", "data-testid": "nexa-log" }, [
      el("div", { className: "nexa-message nexa-message-assistant nexa-greeting", "data-testid": "nexa-greeting" }, [
        el("div", { className: "nexa-bubble", text: CONFIG.greeting })
      ])
    ]);
    handoffSection = el("section", { className: "nexa-handoff", id: "nexa-handoff", "aria-label": "Talk to a person", hidden: true });
    csatSection = el("section", { className: "nexa-csat", id: "nexa-csat", "data-testid": "nexa-csat", "aria-label": "Rate this conversation", hidden: true });
    errorBox = el("p", { className: "nexa-error", id: "nexa-error", role: "alert", "data-testid": "nexa-error", hidden: true });
    input = el("textarea", {
      id: "nexa-input", className: "nexa-input", rows: "1", "data-testid": "nexa-input",
      placeholder: "Type your question\u2026", "aria-label": "Your question"
    });
    sendButton = el("button", { type: "submit", id: "nexa-send", className: "nexa-button nexa-send", "data-testid": "nexa-send", text: "Send" });
    var composer = el("form", { className: "nexa-composer", id: "nexa-composer" }, [input, sendButton]);
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      send();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        send();
      }
    });

    panel = el("div", {
      id: "nexa-panel", className: "nexa-panel", role: "dialog", "aria-labelledby": titleId, "aria-modal": "false",
      "data-testid": "nexa-panel", hidden: true
    }, [
      el("header", { className: "nexa-header" }, [el("h2", { id: titleId, className: "nexa-title", text: CONFIG.title }), closeButton]),
      scroller = el("div", { className: "nexa-body" }, [log, handoffSection, csatSection]),
      errorBox,
      composer,
      el("p", { className: "nexa-footer", text: "Answers come from our help center. Press Enter to send." })
    ]);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.stopPropagation();
        setOpen(false, true);
      }
    });
    launcher.addEventListener("click", function () { setOpen(panel.hidden, true); });

    root.appendChild(panel);
    root.appendChild(launcher);
    document.body.appendChild(root);

    window.__nexaWidget = { open: function () { setOpen(true, true); }, close: function () { setOpen(false, false); } };
    if (storage.get(OPEN_KEY) === "1") setOpen(true, false);
    loadHistory();
    root.setAttribute("data-ready", "true");
  }

  window.__nexaWidget = {};
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", build);
  else build();
})();
