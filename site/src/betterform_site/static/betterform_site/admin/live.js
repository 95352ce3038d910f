/* Live progress on the admin's change pages of a document, a quote and a monday event.
 *
 * A minimal Socket.IO client written for this page (no third-party code, no build step): the
 * Engine.IO protocol v4 over a WebSocket only, carrying Socket.IO protocol v5 packets on the
 * main namespace "/". The two protocol documents:
 *   https://socket.io/docs/v4/engine-io-protocol/  open "0{sid,pingInterval,pingTimeout}",
 *     close "1", ping "2" -> pong "3", message "4<socket.io packet>", noop "6"
 *   https://socket.io/docs/v4/socket-io-protocol/  CONNECT "0", DISCONNECT "1", EVENT "2",
 *     ACK "3", CONNECT_ERROR "4": "40" connects, "42<id>[name, data]" emits, "43<id>[answer]"
 *     answers, "44{message}" refuses
 * The browser sends the session cookie with the handshake (same origin) and the server admits
 * a logged-in session (betterform_site/realtime/access.py). The events and their data are
 * those of betterform_site/realtime/messages.py; "subscribe" answers with the current state.
 *
 * A quote's page says what its customer did (quote.sent, .viewed, .accepted, .declined,
 * .expired) in a sentence built from the event's own fields (see CUSTOMER below).
 *
 * Without JavaScript, or while there is no connection, the page is the plain admin page: the
 * region stays empty and nothing else on the page changes.
 */
(function () {
  "use strict";

  var region = document.getElementById("live-progress");
  if (!region || !("WebSocket" in window) || !window.JSON) return;

  var KINDS = {
    "createpdf.document": "document",
    "betterform.quote": "quote",
    "monday_integration.webhookevent": "monday-event",
  };
  var kind = KINDS[region.getAttribute("data-model")];
  var objectId = parseInt(region.getAttribute("data-id"), 10);
  if (!kind || isNaN(objectId)) return;
  var socketPath = region.getAttribute("data-socket-path") || "/socket.io/";

  // --- what the page shows ----------------------------------------------------------------

  var box = document.createElement("p");
  box.className = "live-progress-text";
  box.style.cssText =
    "margin:0 0 10px;padding:6px 10px;border-left:4px solid var(--message-info-bg, #79aec8);" +
    "background:var(--darkened-bg, #f8f8f8);";
  var text = document.createElement("span");
  var reload = document.createElement("a");
  reload.href = window.location.pathname + window.location.search;
  reload.style.marginLeft = "0.5em";
  reload.hidden = true;
  box.appendChild(text);
  box.appendChild(reload);

  function humanize(value) {
    // The label Django's TextChoices derive from a value ("in_progress" -> "In progress").
    value = String(value == null ? "" : value).replace(/_/g, " ");
    return value.charAt(0).toUpperCase() + value.slice(1);
  }

  function show(sentence, reloadText) {
    // Once the page is behind the object, its link to reload stays until it is followed: a
    // later message without one (a quote viewed after it changed) does not make it fresh.
    if (!box.parentNode) region.appendChild(box);
    text.textContent = sentence;
    if (reloadText) {
      reload.textContent = reloadText;
      reload.hidden = false;
    }
  }

  function shorten(value, most) {
    value = String(value == null ? "" : value).replace(/\s+/g, " ").trim();
    return value.length > most ? value.slice(0, most - 1) + "\u2026" : value;
  }

  function setField(name, value) {
    // Read-only fields only: an editable input holds what the user is typing.
    var cell = document.querySelector(".field-" + name + " .readonly");
    if (cell && value != null) cell.textContent = value;
  }

  function setState(state) {
    region.setAttribute("data-live", state); // connecting, on, off: for styling and tests
  }

  // --- the three kinds of object ----------------------------------------------------------

  // The first state received stands for the page as it was opened: a message that differs
  // from it is a change made since, which the page's fields do not all show yet.
  var opened = null;
  var initial = true;

  function fingerprint(data) {
    return JSON.stringify([data.status, data.stage, data.updated_at]);
  }

  function onDocument(event, data) {
    if (event.indexOf("document.") !== 0 || data.id !== objectId) return;
    setField("status", humanize(data.status));
    if (data.status === "done") {
      setField("pages", data.pages);
      show("Document: done" + (data.pages ? " (" + data.pages + " pages)." : "."),
        initial ? null : "Reload to see the result");
    } else if (data.status === "failed") {
      setField("error", data.error);
      show("Document: failed: " + (data.error || "no error given"),
        initial ? null : "Reload to see the result");
    } else {
      show("Document: " + humanize(data.status) + "\u2026");
    }
  }

  // The customer's side (betterform_site/realtime/messages.py quote_message): what the
  // customer did, in a sentence, from the payload's own fields. It carries the customer's
  // name, the counts and the answer (signer, reason), never the page's link, nor the address
  // or browser the answer came from; the page below shows those after a reload.
  var CUSTOMER = {
    "quote.sent": function (data) {
      return ["Sent to " + (data.customer_name || "the customer") + " by e-mail.",
        "Reload to see the e-mail"];
    },
    "quote.viewed": function (data) {
      var times = data.view_count > 1 ? " (" + data.view_count + " views so far)" : "";
      return ["The customer opened this quote" + times + ".", null];
    },
    "quote.accepted": function (data) {
      var answer = data.answer || {};
      var who = answer.signer_name ? shorten(answer.signer_name, 80) : "the customer";
      return ["Accepted by " + who + ": the quote is now read-only.",
        "Reload to see the signed copy"];
    },
    "quote.declined": function (data) {
      var reason = shorten((data.answer || {}).reason, 200);
      return ["Declined by the customer" + (reason ? ": \u201c" + reason + "\u201d" :
        " (no reason given)") + ". The quote is now read-only.", "Reload to see the answer"];
    },
    "quote.expired": function () {
      return ["Expired unanswered: the quote is now read-only.", "Reload to see the changes"];
    },
  };

  function onQuote(event, data) {
    if (event.indexOf("quote.") !== 0 || data.id !== objectId) return;
    if (CUSTOMER.hasOwnProperty(event)) {
      // News even when the fields the page shows are unchanged (a first view changes none):
      // the link to reload only when they are not.
      var said = CUSTOMER[event](data);
      show("Quote " + data.number + ": " + said[0], initial ? null : said[1]);
      return;
    }
    var summary = "Quote " + data.number + ": " + humanize(data.status) + ", total " +
      data.total + " " + data.currency;
    if (initial) {
      show(summary + ".");
      return;
    }
    ["subtotal", "discount_total", "tax_total", "total"].forEach(function (name) {
      setField(name, data[name] + " " + data.currency);
    });
    // The form below still holds the old values: saving it would undo the other change.
    show(summary + " (changed since this page was opened).", "Reload to see the changes");
  }

  function onMondayEvent(event, data) {
    if (event === "monday.sync.stage") {
      if (data.event_id !== objectId) return;
      setField("stage", data.stage);
      show("Sync: " + humanize(data.stage) + (data.label ? " (monday label \u201c" +
        data.label + "\u201d)" : "") + "\u2026");
      return;
    }
    if (event.indexOf("monday.event.") !== 0 || data.id !== objectId) return;
    setField("status", humanize(data.status));
    setField("stage", data.stage);
    var finished = event === "monday.event.processed" || event === "monday.event.failed";
    var sentence = "Event: " + humanize(data.status) + (data.stage ? ", stage " + data.stage : "");
    if (data.status === "failed" && data.error) sentence += ": " + data.error;
    show(finished ? sentence + "." : sentence + "\u2026",
      finished && !initial ? "Reload to see the result" : null);
  }

  var handle = { document: onDocument, quote: onQuote, "monday-event": onMondayEvent }[kind];

  function received(event, data) {
    if (!data || typeof data !== "object") return;
    var id = event === "monday.sync.stage" ? data.event_id : data.id;
    if (id !== objectId) return;
    if (opened === null) opened = fingerprint(data);
    initial = fingerprint(data) === opened;
    try {
      handle(event, data);
    } catch (error) {
      // A message this page does not understand must not break the admin page.
      if (window.console) window.console.warn("live progress:", error);
    }
  }

  // --- the connection (Engine.IO v4 / Socket.IO v5 over a WebSocket) ----------------------

  var socket = null;
  var retryDelay = 1000;
  var nextAckId = 0;
  var acks = {};
  var heartbeat = null;
  var refused = false;

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + socketPath + "?EIO=4&transport=websocket";
  }

  function emit(name, data, answer) {
    var id = "";
    if (answer) {
      id = String(nextAckId++);
      acks[id] = answer;
    }
    socket.send("42" + id + JSON.stringify([name, data]));
  }

  function watchHeartbeat(open) {
    // The server pings every pingInterval; silence beyond pingTimeout more means it is gone.
    window.clearTimeout(heartbeat);
    heartbeat = window.setTimeout(function () {
      if (socket) socket.close();
    }, open.pingInterval + open.pingTimeout);
  }

  function onSocketIOPacket(packet, open) {
    var type = packet.charAt(0);
    var rest = packet.slice(1);
    if (rest.charAt(0) === "/") rest = rest.slice(rest.indexOf(",") + 1); // not ours: "/" only
    var match = /^(\d*)([\s\S]*)$/.exec(rest);
    var id = match[1];
    var payload = match[2] ? JSON.parse(match[2]) : null;
    if (type === "0") {
      // connected: follow this object; the answer carries its current state
      retryDelay = 1000;
      setState("on");
      emit("subscribe", { type: kind, id: objectId }, function (answer) {
        if (answer && answer.ok && answer.state) received(answer.state.event, answer.state.data);
      });
    } else if (type === "2" && Array.isArray(payload)) {
      received(payload[0], payload[1]);
    } else if (type === "3" && acks[id] && Array.isArray(payload)) {
      var answer = acks[id];
      delete acks[id];
      answer(payload[0]);
    } else if (type === "4") {
      // refused (logged out, say): stay a plain page, and say why
      refused = true;
      setState("off");
      show("Live updates are off: " + ((payload && payload.message) || "refused") + ".");
      socket.close();
    } else if (type === "1") {
      socket.close();
    }
    if (open) watchHeartbeat(open);
  }

  function connect() {
    var open = null;
    setState("connecting");
    try {
      socket = new window.WebSocket(url());
    } catch (error) {
      setState("off");
      return;
    }
    socket.onmessage = function (message) {
      var packet = String(message.data);
      var type = packet.charAt(0);
      try {
        if (type === "0") {
          open = JSON.parse(packet.slice(1));
          watchHeartbeat(open);
          socket.send("40");
        } else if (type === "2") {
          socket.send("3");
          if (open) watchHeartbeat(open);
        } else if (type === "4") {
          onSocketIOPacket(packet.slice(1), open);
        } else if (type === "1") {
          socket.close();
        }
      } catch (error) {
        if (window.console) window.console.warn("live progress:", error);
      }
    };
    socket.onclose = function () {
      window.clearTimeout(heartbeat);
      socket = null;
      acks = {};
      if (refused) return;
      setState("off");
      // Try again later: a restart of the site or a network change is usually short.
      window.setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 30000);
    };
  }

  window.addEventListener("pagehide", function () {
    refused = true; // leaving: no reconnect
    if (socket) socket.close();
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return; // back from the browser's page cache: connect again
    refused = false;
    if (!socket) connect();
  });
  connect();
})();
