/* The form builder: a structured editor for a form's schema in the admin.
 *
 * Progressive enhancement over the schema <textarea data-schema-builder>: the textarea stays
 * the form field the server validates (betterform.schema.validate_schema, as the API does);
 * this script hides it, shows sections and fields as inputs, and writes the JSON back to it
 * on every change. Keys it does not edit are kept as they are. "Show JSON" shows the textarea
 * again for experts; going back re-reads it.
 *
 * The textarea's data attributes (set by betterform.admin_forms.FormAdminForm):
 *   data-schema-builder  {"types": [...], "choice": [...], "numeric": [...], "length": [...],
 *                         "date": [...], "multi": [...], "unit_price": [...], "price": [...]}
 *   data-schema-errors   after a refused save: {"sections[0].fields[1].key": ["..."], ...};
 *                        each message is shown next to the section, field or option it names.
 * No dependencies; no build step.
 */
(function () {
  "use strict";

  var counter = 0;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      if (name === "text") node.textContent = attrs[name];
      else if (name === "on") Object.keys(attrs.on).forEach(function (ev) { node.addEventListener(ev, attrs.on[ev]); });
      else if (attrs[name] === true) node.setAttribute(name, "");
      else if (attrs[name] !== false && attrs[name] !== undefined && attrs[name] !== null) node.setAttribute(name, attrs[name]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  function slug(text) {
    return String(text).toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  }

  /* "used at sections[0].fields[1]" reads "used at section 1, field 2" (as numbered here). */
  function humane(message) {
    return message.replace(/sections\[(\d+)\]\.fields\[(\d+)\]/g, function (all, s, f) {
      return "section " + (Number(s) + 1) + ", field " + (Number(f) + 1);
    });
  }

  /* The schema shapes the builder can show; anything else is edited as JSON. */
  function editable(schema) {
    return isObject(schema) && Array.isArray(schema.sections) && schema.sections.every(function (s) {
      return isObject(s) && Array.isArray(s.fields) && s.fields.every(function (f) {
        return isObject(f) && (f.options === undefined || (Array.isArray(f.options) && f.options.every(isObject))) &&
          (f.pricing === undefined || isObject(f.pricing));
      });
    }) && (schema.pricing === undefined || (isObject(schema.pricing) &&
      (schema.pricing.fixed_fees === undefined || (Array.isArray(schema.pricing.fixed_fees) && schema.pricing.fixed_fees.every(isObject)))));
  }

  /* Attach each server error to the object its path names (a section, field, option or fee),
     so it stays with that object when it is moved; what names none goes on top. */
  function attachErrors(schema, errors) {
    var byObject = new Map();
    var top = [];
    Object.keys(errors || {}).forEach(function (path) {
      var tokens = path.match(/[A-Za-z_]+|\[\d+\]/g) || [];
      var target = null;
      var node = schema;
      var used = 0;
      var steps = [["sections", "fields", "options"], ["pricing", "fixed_fees"]];
      var chain = tokens[0] === "pricing" ? steps[1] : steps[0];
      var i = 0;
      if (chain[0] === "pricing" && isObject(schema.pricing)) {
        node = schema.pricing; target = node; used = 1; i = 1;
      }
      for (; i < chain.length; i++) {
        var name = tokens[used];
        var index = tokens[used + 1];
        if (name !== chain[i] || !index || index[0] !== "[") break;
        var list = node && node[name];
        var item = Array.isArray(list) ? list[Number(index.slice(1, -1))] : undefined;
        if (!isObject(item)) break;
        node = target = item;
        used += 2;
      }
      var rest = tokens.slice(used).join(".").replace(/\.\[/g, "[");
      errors[path].forEach(function (message) {
        var text = rest ? rest + ": " + message : message;
        if (!target) top.push(path + ": " + message);
        else {
          if (!byObject.has(target)) byObject.set(target, []);
          byObject.get(target).push(text);
        }
      });
    });
    return { byObject: byObject, top: top };
  }

  function Builder(textarea) {
    this.textarea = textarea;
    this.rules = JSON.parse(textarea.getAttribute("data-schema-builder"));
    this.id = "bf-builder-" + (++counter);
    this.root = el("div", { "class": "bf-builder", id: this.id });
    this.status = el("p", { "class": "bf-status", role: "status", "aria-live": "polite" });
    this.toggle = el("button", {
      type: "button", "class": "button bf-toggle", "aria-pressed": "false", "aria-controls": textarea.id,
      text: "Show JSON", on: { click: this.toggleJson.bind(this) }
    });
    this.notice = el("p", { "class": "bf-notice", hidden: true });
    this.body = el("div", { "class": "bf-body" });
    this.root.appendChild(el("div", { "class": "bf-toolbar" }, [this.toggle, this.status]));
    this.root.appendChild(this.notice);
    this.root.appendChild(this.body);
    textarea.parentNode.insertBefore(this.root, textarea);
    var errors = {};
    try { errors = JSON.parse(textarea.getAttribute("data-schema-errors") || "{}"); } catch (e) { errors = {}; }
    if (this.load()) {
      this.errors = attachErrors(this.schema, errors);
      this.showBuilder();
    } else {
      this.showJson("The JSON below cannot be shown in the builder (" + this.problem + "); fix it here, or save to see the errors.");
    }
  }

  Builder.prototype.load = function () {
    var schema;
    try { schema = JSON.parse(this.textarea.value); } catch (e) { this.problem = "it is not valid JSON"; return false; }
    if (!editable(schema)) { this.problem = "it is not sections of fields"; return false; }
    this.schema = schema;
    this.errors = { byObject: new Map(), top: [] };
    return true;
  };

  Builder.prototype.save = function () {
    this.textarea.value = JSON.stringify(this.schema, null, 2);
  };

  Builder.prototype.showJson = function (notice) {
    this.textarea.hidden = false;
    this.body.hidden = true;
    this.toggle.textContent = "Show builder";
    this.toggle.setAttribute("aria-pressed", "true");
    this.notice.textContent = notice || "";
    this.notice.hidden = !notice;
  };

  Builder.prototype.showBuilder = function () {
    this.textarea.hidden = true;
    this.body.hidden = false;
    this.toggle.textContent = "Show JSON";
    this.toggle.setAttribute("aria-pressed", "false");
    this.notice.hidden = true;
    this.render();
  };

  Builder.prototype.toggleJson = function () {
    if (this.textarea.hidden) { this.showJson(); this.textarea.focus(); return; }
    if (this.load()) this.showBuilder();
    else this.showJson("The builder cannot show this JSON (" + this.problem + "): fix it first.");
  };

  /* Re-render everything, then focus the control that now has ``focusId`` (after a move). */
  Builder.prototype.render = function (focusId) {
    var self = this;
    this.body.textContent = "";
    var top = this.errorList(this.errors.top);
    if (top) this.body.appendChild(top);
    var sections = el("ol", { "class": "bf-sections" });
    this.schema.sections.forEach(function (section, index) { sections.appendChild(self.sectionNode(section, index)); });
    this.body.appendChild(sections);
    this.body.appendChild(el("button", {
      type: "button", "class": "button", id: this.id + "-add-section", text: "Add section",
      on: { click: function () {
        self.schema.sections.push({ title: "New section", fields: [] });
        self.changed("Section added.", self.id + "-s" + (self.schema.sections.length - 1) + "-title");
      } }
    }));
    this.body.appendChild(this.pricingNode());
    if (focusId) {
      var target = document.getElementById(focusId);
      if (target) target.focus();
    }
  };

  Builder.prototype.changed = function (message, focusId) {
    this.save();
    this.render(focusId);
    if (message) this.status.textContent = message;
  };

  Builder.prototype.errorList = function (messages) {
    if (!messages || !messages.length) return null;
    return el("ul", { "class": "errorlist bf-errorlist", id: this.id + "-errors-" + (++counter) },
      messages.map(function (m) { return el("li", { text: humane(m) }); }));
  };

  /* Mark the inputs the messages name ("key: ...", "pricing.unit_price: ...") as invalid and
     described by the error list, so a screen reader reads the error with the input. */
  Builder.prototype.markInvalid = function (node, prefix, list) {
    if (!list) return node;
    Array.prototype.forEach.call(list.children, function (item) {
      var where = item.textContent.split(":")[0].split(".").pop();
      var control = node.querySelector("[id='" + prefix + "-" + where + "']");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        control.setAttribute("aria-describedby", list.id);
      }
    });
    return node;
  };

  /* Move/remove buttons for item ``index`` of ``list``; ``prefix`` makes the ids. */
  Builder.prototype.listButtons = function (list, index, noun, name, prefix, idOf) {
    var self = this;
    function move(step) {
      return function () {
        var item = list.splice(index, 1)[0];
        list.splice(index + step, 0, item);
        // Keep focus on the moved item's same button, or its other one at the list's end.
        var to = index + step;
        var atEnd = step < 0 ? to === 0 : to === list.length - 1;
        var button = (step < 0) !== atEnd ? "-up" : "-down";
        self.changed(noun + " \u201c" + name + "\u201d moved to position " + (to + 1) + ".", idOf(to) + button);
      };
    }
    return el("span", { "class": "bf-buttons" }, [
      el("button", { type: "button", "class": "button", id: prefix + "-up", disabled: index === 0,
        "aria-label": "Move " + noun.toLowerCase() + " \u201c" + name + "\u201d up", text: "\u2191 Up", on: { click: move(-1) } }),
      el("button", { type: "button", "class": "button", id: prefix + "-down", disabled: index === list.length - 1,
        "aria-label": "Move " + noun.toLowerCase() + " \u201c" + name + "\u201d down", text: "\u2193 Down", on: { click: move(1) } }),
      el("button", { type: "button", "class": "button bf-remove", id: prefix + "-remove",
        "aria-label": "Remove " + noun.toLowerCase() + " \u201c" + name + "\u201d", text: "Remove",
        on: { click: function () {
          list.splice(index, 1);
          self.changed(noun + " \u201c" + name + "\u201d removed.", null);
        } } })
    ]);
  };

  /* A labelled input bound to ``object[prop]`` (or ``object.pricing[prop]`` when ``inPricing``). */
  Builder.prototype.input = function (object, prop, label, id, options) {
    var self = this;
    options = options || {};
    var holder = options.inPricing ? object.pricing || {} : object;
    var value = holder[prop];
    var control;
    if (options.kind === "checkbox") {
      control = el("input", { type: "checkbox", id: id, checked: value === true });
    } else if (options.kind === "textarea") {
      control = el("textarea", { id: id, rows: 2 });
      control.value = value === undefined ? "" : String(value);
    } else {
      control = el("input", { type: options.kind || "text", id: id, step: options.kind === "number" ? "any" : null,
        inputmode: options.decimal ? "decimal" : null, size: options.size || null, placeholder: options.placeholder || null });
      control.value = value === undefined || value === null ? "" : String(value);
    }
    control.addEventListener(options.kind === "checkbox" ? "change" : "input", function () {
      var target = object;
      if (options.inPricing) target = object.pricing = object.pricing || {};
      var raw = control.type === "checkbox" ? control.checked : control.value;
      if (control.type === "checkbox") {
        if (raw) target[prop] = true; else delete target[prop];
      } else if (raw === "" && !options.keep) {
        delete target[prop];
      } else if (options.kind === "number" && raw !== "" && !isNaN(Number(raw))) {
        target[prop] = options.integer && Number.isInteger(Number(raw)) ? parseInt(raw, 10) : Number(raw);
      } else {
        target[prop] = raw;  // money stays the string typed ("12.50"), as the schema keeps it
      }
      if (options.inPricing && !Object.keys(object.pricing).length) delete object.pricing;
      if (options.after) options.after(raw);
      self.save();
    });
    return el("span", { "class": "bf-input bf-" + prop + (options.kind === "checkbox" ? " bf-check" : "") }, [
      el("label", { "for": id, text: label }), control
    ]);
  };

  Builder.prototype.sectionNode = function (section, index) {
    var self = this;
    var prefix = this.id + "-s" + index;
    var name = section.title || "Section " + (index + 1);
    var fields = el("ol", { "class": "bf-fields" });
    section.fields.forEach(function (field, f) { fields.appendChild(self.fieldNode(section, field, index, f)); });
    var idOf = function (i) { return self.id + "-s" + i; };
    var errors = this.errorList(this.errors.byObject.get(section));
    return this.markInvalid(el("li", { "class": "bf-section", "data-path": "sections[" + index + "]" }, [
      el("fieldset", {}, [
        el("legend", { text: "Section " + (index + 1) + ": " + name }),
        this.listButtons(this.schema.sections, index, "Section", name, prefix, idOf),
        errors,
        el("div", { "class": "bf-row" }, [
          this.input(section, "title", "Title", prefix + "-title", { keep: true, size: 40 }),
          this.input(section, "description", "Description", prefix + "-description", { kind: "textarea" })
        ]),
        fields,
        el("button", { type: "button", "class": "button", id: prefix + "-add-field", text: "Add field",
          "aria-label": "Add a field to section \u201c" + name + "\u201d",
          on: { click: function () {
            section.fields.push({ key: self.freeKey(), label: "New field", type: "text" });
            self.changed("Field added.", prefix + "-f" + (section.fields.length - 1) + "-label");
          } } })
      ])
    ]), prefix, errors);
  };

  Builder.prototype.freeKey = function () {
    var used = {};
    this.schema.sections.forEach(function (s) { s.fields.forEach(function (f) { used[f.key] = true; }); });
    for (var n = 1; ; n++) if (!used["field_" + n]) return "field_" + n;
  };

  Builder.prototype.has = function (rule, type) {
    return (this.rules[rule] || []).indexOf(type) !== -1;
  };

  /* What a type does not allow goes when the type changes, so the schema stays valid. */
  Builder.prototype.retype = function (field, type) {
    field.type = type;
    var r = this;
    if (!r.has("choice", type)) delete field.options;
    else if (!field.options || !field.options.length) field.options = [{ value: "", label: "" }];
    if (!r.has("numeric", type)) { delete field.min; delete field.max; }
    if (!r.has("length", type)) delete field.max_length;
    if (!r.has("date", type)) { delete field.min_date; delete field.max_date; }
    if (!r.has("multi", type)) { delete field.min_choices; delete field.max_choices; }
    if (field.pricing) {
      if (!r.has("unit_price", type)) { delete field.pricing.unit_price; delete field.pricing.unit_label; }
      if (!r.has("price", type)) delete field.pricing.price;
      if (!this.priced(type)) delete field.pricing.tax_rate;
      if (!Object.keys(field.pricing).length) delete field.pricing;
    }
  };

  Builder.prototype.priced = function (type) {
    return this.has("choice", type) || this.has("unit_price", type) || this.has("price", type);
  };

  Builder.prototype.fieldNode = function (section, field, s, f) {
    var self = this;
    var prefix = this.id + "-s" + s + "-f" + f;
    var name = field.label || field.key || "Field " + (f + 1);
    var type = el("select", { id: prefix + "-type" }, this.rules.types.map(function (t) {
      return el("option", { value: t, text: t.replace("_", " "), selected: t === field.type });
    }));
    if (this.rules.types.indexOf(field.type) === -1) {
      type.insertBefore(el("option", { value: String(field.type), text: String(field.type) + " (unknown)", selected: true }), type.firstChild);
    }
    type.addEventListener("change", function () {
      self.retype(field, type.value);
      self.changed("Type set to " + type.value + ".", prefix + "-type");
    });
    var limits = [];
    var kind = field.type;
    if (this.has("numeric", kind)) {
      limits.push(this.input(field, "min", "Minimum", prefix + "-min", { kind: "number", size: 8 }));
      limits.push(this.input(field, "max", "Maximum", prefix + "-max", { kind: "number", size: 8 }));
    }
    if (this.has("length", kind)) limits.push(this.input(field, "max_length", "Max length", prefix + "-max_length", { kind: "number", integer: true }));
    if (this.has("date", kind)) {
      limits.push(this.input(field, "min_date", "Earliest date", prefix + "-min_date", { kind: "date" }));
      limits.push(this.input(field, "max_date", "Latest date", prefix + "-max_date", { kind: "date" }));
    }
    if (this.has("multi", kind)) {
      limits.push(this.input(field, "min_choices", "Min choices", prefix + "-min_choices", { kind: "number", integer: true }));
      limits.push(this.input(field, "max_choices", "Max choices", prefix + "-max_choices", { kind: "number", integer: true }));
    }
    var pricing = [];
    if (this.has("unit_price", kind)) {
      pricing.push(this.input(field, "unit_price", "Unit price", prefix + "-unit_price", { inPricing: true, decimal: true, size: 8, placeholder: "0.00" }));
      pricing.push(this.input(field, "unit_label", "Unit", prefix + "-unit_label", { inPricing: true, size: 6, placeholder: "m\u00b2" }));
    }
    if (this.has("price", kind)) pricing.push(this.input(field, "price", "Price when checked", prefix + "-price", { inPricing: true, decimal: true, size: 8, placeholder: "0.00" }));
    if (this.priced(kind)) pricing.push(this.input(field, "tax_rate", "Tax rate %", prefix + "-tax_rate", { inPricing: true, decimal: true, size: 5, placeholder: "form's" }));
    var idOf = function (i) { return self.id + "-s" + s + "-f" + i; };
    var errors = this.errorList(this.errors.byObject.get(field));
    return this.markInvalid(el("li", { "class": "bf-field" + (errors ? " bf-has-errors" : ""), "data-path": "sections[" + s + "].fields[" + f + "]" }, [
      el("fieldset", {}, [
        el("legend", { text: "Field " + (f + 1) + ": " + name }),
        this.listButtons(section.fields, f, "Field", name, prefix, idOf),
        errors,
        el("div", { "class": "bf-row" }, [
          this.input(field, "key", "Key", prefix + "-key", { keep: true, size: 16 }),
          this.input(field, "label", "Label", prefix + "-label", { keep: true, size: 30 }),
          el("span", { "class": "bf-input bf-type" }, [el("label", { "for": prefix + "-type", text: "Type" }), type]),
          this.input(field, "required", "Required", prefix + "-required", { kind: "checkbox" })
        ]),
        el("div", { "class": "bf-row" }, [this.input(field, "help_text", "Help text", prefix + "-help_text", { kind: "textarea" })]),
        limits.length ? el("div", { "class": "bf-row" }, limits) : null,
        pricing.length ? el("div", { "class": "bf-row" }, pricing) : null,
        this.has("choice", kind) ? this.optionsNode(field, prefix) : null
      ])
    ]), prefix, errors);
  };

  Builder.prototype.optionsNode = function (field, prefix) {
    var self = this;
    var options = field.options = field.options || [];
    var rows = el("ol", { "class": "bf-options" });
    options.forEach(function (option, o) {
      var id = prefix + "-o" + o;
      var name = option.label || option.value || "Option " + (o + 1);
      var idOf = function (i) { return prefix + "-o" + i; };
      var value = self.input(option, "value", "Value", id + "-value", { keep: true, size: 12 });
      var before = slug(option.label || "");
      var errors = self.errorList(self.errors.byObject.get(option));
      rows.appendChild(self.markInvalid(el("li", { "class": "bf-option", "data-path": "options[" + o + "]" }, [
        self.input(option, "label", "Option label", id + "-label", { keep: true, size: 20, after: function (label) {
          // The value follows the label until it is typed itself.
          var input = document.getElementById(id + "-value");
          if (input && (input.value === "" || input.value === before)) {
            input.value = option.value = before = slug(label);
          }
        } }),
        value,
        self.input(option, "price", "Price", id + "-price", { decimal: true, size: 8, placeholder: "0.00" }),
        self.listButtons(options, o, "Option", name, id, idOf),
        errors
      ]), id, errors));
    });
    return el("div", { "class": "bf-options-box" }, [
      el("p", { "class": "bf-heading", text: "Options" }),
      rows,
      el("button", { type: "button", "class": "button", id: prefix + "-add-option", text: "Add option",
        on: { click: function () {
          options.push({ value: "", label: "" });
          self.changed("Option added.", prefix + "-o" + (options.length - 1) + "-label");
        } } })
    ]);
  };

  /* The form's own pricing: currency, default tax rate, fixed fees. */
  Builder.prototype.pricingNode = function () {
    var self = this;
    var schema = this.schema;
    var holder = { pricing: schema.pricing };
    var prefix = this.id + "-pricing";
    var pricing = schema.pricing || {};
    var fees = el("ol", { "class": "bf-options" });
    (pricing.fixed_fees || []).forEach(function (fee, i) {
      var id = prefix + "-fee" + i;
      var name = fee.description || "Fee " + (i + 1);
      var errors = self.errorList(self.errors.byObject.get(fee));
      fees.appendChild(self.markInvalid(el("li", { "class": "bf-option" }, [
        self.input(fee, "description", "Fee", id + "-description", { keep: true, size: 24 }),
        self.input(fee, "amount", "Amount", id + "-amount", { keep: true, decimal: true, size: 8 }),
        self.input(fee, "tax_rate", "Tax rate %", id + "-tax_rate", { decimal: true, size: 5 }),
        self.listButtons(pricing.fixed_fees, i, "Fee", name, id, function (n) { return prefix + "-fee" + n; }),
        errors
      ]), id, errors));
    });
    function sync() {
      if (holder.pricing && Object.keys(holder.pricing).length) schema.pricing = holder.pricing;
      else delete schema.pricing;
    }
    var currency = this.input(holder, "currency", "Currency", prefix + "-currency", { inPricing: true, size: 4, placeholder: "EUR", after: sync });
    var tax = this.input(holder, "tax_rate", "Default tax rate %", prefix + "-tax_rate", { inPricing: true, decimal: true, size: 5, after: sync });
    var errors = this.errorList(this.errors.byObject.get(schema.pricing));
    return this.markInvalid(el("fieldset", { "class": "bf-pricing" }, [
      el("legend", { text: "Form pricing" }),
      errors,
      el("div", { "class": "bf-row" }, [currency, tax]),
      fees,
      el("button", { type: "button", "class": "button", id: prefix + "-add-fee", text: "Add fixed fee",
        on: { click: function () {
          schema.pricing = schema.pricing || {};
          schema.pricing.fixed_fees = schema.pricing.fixed_fees || [];
          schema.pricing.fixed_fees.push({ description: "", amount: "" });
          self.changed("Fee added.", prefix + "-fee" + (schema.pricing.fixed_fees.length - 1) + "-description");
        } } })
    ]), prefix, errors);
  };

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-schema-builder]"), function (textarea) {
      if (!textarea.dataset.builderReady) {
        textarea.dataset.builderReady = "1";
        new Builder(textarea);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
