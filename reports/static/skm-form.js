/*
 * The satisfaction survey form (SKM, PermenPANRB 14/2017), drawn from GET /api/v1/skm/form:
 * nine elements with their own four answers, the optional respondent profile and suggestion.
 * Used by the visitor's phone (status page) and by the counter's survey tablet.
 *
 *   AntrianSkmForm.render(container, form, language, submit, options) -> {reset()}
 *   submit(body) returns a Promise that rejects with an Error whose message is shown (its
 *   `code` the API's error code; none: the server was not reached). `already_answered` is
 *   taken as the thanks: a visitor who sends again after a lost reply was already counted.
 *   `options.day`: the visit was on an earlier day, written as the page shows it; the
 *   question names it instead of asking about "today".
 */
(function (global) {
  "use strict";

  const TEXT = {
    id: {
      title: "Survei Kepuasan Masyarakat",
      intro: "Bagaimana pelayanan kami hari ini? Jawaban Anda tanpa nama.",
      intro_day: "Bagaimana pelayanan kami pada {day}? Jawaban Anda tanpa nama.",
      profile: "Tentang Anda (boleh dikosongkan)",
      sex: "Jenis kelamin", age_band: "Umur", education: "Pendidikan", occupation: "Pekerjaan",
      choose: "—", suggestion: "Saran dan masukan (boleh dikosongkan)",
      send: "Kirim penilaian", sending: "Mengirim…",
      missing: "Mohon jawab semua pertanyaan ({n} belum dijawab).",
      thanks: "Terima kasih atas penilaian Anda!",
      offline: "Tidak tersambung: penilaian Anda belum terkirim. Silakan kirim lagi.",
    },
    en: {
      title: "Satisfaction survey",
      intro: "How was our service today? Your answers are anonymous.",
      intro_day: "How was our service on {day}? Your answers are anonymous.",
      profile: "About you (optional)",
      sex: "Sex", age_band: "Age", education: "Education", occupation: "Occupation",
      choose: "—", suggestion: "Suggestions (optional)",
      send: "Send rating", sending: "Sending…",
      missing: "Please answer every question ({n} left).",
      thanks: "Thank you for your rating!",
      offline: "Not connected: your rating was not sent yet. Please send it again.",
    },
  };

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function render(container, form, language, submit, options) {
    const en = language === "en";
    const t = TEXT[en ? "en" : "id"];
    const pick = function (item, key) { return (en && item[key + "_en"]) || item[key]; };
    container.textContent = "";
    const node = el("form", null, "skm-form");
    node.noValidate = true;
    node.appendChild(el("h2", t.title));
    const day = options && options.day;
    node.appendChild(el("p", day ? t.intro_day.replace("{day}", day) : t.intro, "skm-intro"));

    form.elements.forEach(function (element, n) {
      const set = el("fieldset", null, "skm-element");
      set.dataset.element = element.code;
      set.appendChild(el("legend", (n + 1) + ". " + pick(element, "question")));
      const choices = el("div", null, "skm-choices");
      element.answers.forEach(function (answer) {
        const label = el("label", null, "skm-choice");
        const input = el("input");
        input.type = "radio";
        input.name = element.code;
        input.value = String(answer.score);
        label.appendChild(input);
        label.appendChild(el("span", pick(answer, "label")));
        choices.appendChild(label);
      });
      set.appendChild(choices);
      node.appendChild(set);
    });

    const profile = el("fieldset", null, "skm-profile");
    profile.appendChild(el("legend", t.profile));
    Object.keys(form.profile).forEach(function (name) {
      const label = el("label", null, "skm-select");
      label.appendChild(el("span", t[name]));
      const select = el("select");
      select.name = name;
      const none = el("option", t.choose);
      none.value = "";
      select.appendChild(none);
      form.profile[name].forEach(function (option) {
        const item = el("option", pick(option, "label"));
        item.value = option.value;
        select.appendChild(item);
      });
      label.appendChild(select);
      profile.appendChild(label);
    });
    node.appendChild(profile);

    const suggestion = el("label", null, "skm-suggestion");
    suggestion.appendChild(el("span", t.suggestion));
    const text = el("textarea");
    text.name = "suggestion";
    text.maxLength = form.max_suggestion;
    text.rows = 3;
    suggestion.appendChild(text);
    node.appendChild(suggestion);

    const message = el("p", "", "skm-message");
    message.setAttribute("role", "alert");
    message.hidden = true;
    node.appendChild(message);
    const button = el("button", t.send, "skm-send");
    button.type = "submit";
    node.appendChild(button);

    node.addEventListener("submit", function (event) {
      event.preventDefault();
      const scores = {};
      let missing = 0;
      form.elements.forEach(function (element) {
        const chosen = node.querySelector("input[name='" + element.code + "']:checked");
        if (chosen) { scores[element.code] = Number(chosen.value); } else { missing += 1; }
      });
      if (missing) {
        message.textContent = t.missing.replace("{n}", missing);
        message.hidden = false;
        const first = node.querySelector("fieldset.skm-element:not(:has(input:checked))");
        if (first && first.scrollIntoView) { first.scrollIntoView({ block: "center" }); }
        return;
      }
      const profileBody = {};
      Object.keys(form.profile).forEach(function (name) {
        const value = node.elements[name].value;
        if (value) { profileBody[name] = value; }
      });
      button.disabled = true;
      button.textContent = t.sending;
      message.hidden = true;
      function thank() {
        container.textContent = "";
        const done = el("p", t.thanks, "skm-thanks");
        done.setAttribute("role", "status");
        container.appendChild(done);
        container.dataset.state = "answered";
      }
      submit({ scores: scores, profile: profileBody, suggestion: text.value || null }).then(thank).catch(function (err) {
        // Sent again after a reply that never came back: the first one was saved.
        if (err.code === "already_answered") { thank(); return; }
        // No answer from the server at all (the network, a proxy): the form is kept as it
        // is, to be sent again.
        message.textContent = err.code ? err.message : t.offline;
        message.hidden = false;
        button.disabled = false;
        button.textContent = t.send;
      });
    });
    container.appendChild(node);
    container.dataset.state = "open";
    return node;
  }

  function postJson(url, body, headers) {
    return fetch(url, {
      method: "POST",
      headers: Object.assign({ "Content-Type": "application/json", Accept: "application/json" }, headers || {}),
      body: JSON.stringify(body),
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          const err = new Error((data.error && data.error.message) || response.statusText);
          err.code = data.error && data.error.code;
          throw err;
        }
        return data;
      });
    });
  }

  global.AntrianSkmForm = { render: render, postJson: postJson, text: TEXT };
})(window);
