// Muwafaqa reference app: a user's "device". No framework, no inline script (the CSP allows
// only this origin's scripts). The token comes from the URL fragment (#token=…), never a query,
// so it does not reach server logs; it is kept in sessionStorage only.
(function () {
  'use strict';

  var STRINGS = {
    en: {
      title: 'Muwafaqa: consent requests',
      signIn: 'Sign in',
      tokenLabel: 'User access token',
      open: 'Open',
      pending: 'Waiting for your decision',
      nothingPending: 'Nothing is waiting for you.',
      history: 'History',
      documents: 'Documents to share',
      accept: 'Accept',
      reject: 'Reject',
      revoke: 'Revoke',
      required: '(required)',
      requestedBy: 'Requested by',
      holder: 'held by',
      expires: 'Expires',
      purpose: 'Purpose',
      newRequest: 'New request from',
      connected: 'Connected: new requests appear here.',
      offline: 'Reconnecting…',
      confirmRevoke: 'Revoke this consent?',
      failed: 'Something went wrong',
      statementLabel: 'By accepting, you agree to:',
      terms: 'Read the terms',
      standingNotice: 'This consent lasts until {date}: until then it may be relied on again without asking you, unless you revoke it.',
      standingTitle: 'Standing consents',
      noStanding: 'You have no standing consents.',
      until: 'until',
      confirmRevokeStanding: 'Revoke this standing consent? You will be asked again next time.',
      standingStatus: { ACTIVE: 'Active', EXPIRED: 'Ended', REVOKED: 'Revoked' },
      status: {
        TRIGGERED: 'Pending',
        ACCEPTED: 'Accepted',
        REJECTED: 'Rejected',
        EXPIRED: 'Expired',
        CANCELLED: 'Withdrawn',
        INIT_FAILED: 'Not delivered',
        REVOKED: 'Revoked',
      },
      toggle: 'العربية',
      toggleLang: 'ar',
    },
    ar: {
      title: 'موافقة: طلبات الموافقة',
      signIn: 'تسجيل الدخول',
      tokenLabel: 'رمز وصول المستخدم',
      open: 'فتح',
      pending: 'بانتظار قرارك',
      nothingPending: 'لا توجد طلبات بانتظارك.',
      history: 'السجل',
      documents: 'المستندات المطلوب مشاركتها',
      accept: 'موافقة',
      reject: 'رفض',
      revoke: 'إلغاء الموافقة',
      required: '(إلزامي)',
      requestedBy: 'مقدم الطلب',
      holder: 'لدى',
      expires: 'ينتهي في',
      purpose: 'الغرض',
      newRequest: 'طلب جديد من',
      connected: 'متصل: تظهر الطلبات الجديدة هنا.',
      offline: 'جارٍ إعادة الاتصال…',
      confirmRevoke: 'هل تريد إلغاء هذه الموافقة؟',
      failed: 'حدث خطأ',
      statementLabel: 'بموافقتك، أنت توافق على:',
      terms: 'اقرأ الشروط',
      standingNotice: 'تبقى هذه الموافقة سارية حتى {date}: وحتى ذلك الحين يمكن الاعتماد عليها مجدداً دون سؤالك، ما لم تلغها.',
      standingTitle: 'الموافقات الدائمة',
      noStanding: 'لا توجد لديك موافقات دائمة.',
      until: 'حتى',
      confirmRevokeStanding: 'هل تريد إلغاء هذه الموافقة الدائمة؟ سيُطلب منك القرار مجدداً في المرة القادمة.',
      standingStatus: { ACTIVE: 'سارية', EXPIRED: 'منتهية', REVOKED: 'ملغاة' },
      status: {
        TRIGGERED: 'قيد الانتظار',
        ACCEPTED: 'تمت الموافقة',
        REJECTED: 'مرفوض',
        EXPIRED: 'منتهي الصلاحية',
        CANCELLED: 'مسحوب',
        INIT_FAILED: 'لم يصل',
        REVOKED: 'ملغى',
      },
      toggle: 'English',
      toggleLang: 'en',
    },
  };

  var state = { token: null, lang: 'en', items: [], details: {}, standing: [], events: null };
  var $ = function (id) {
    return document.getElementById(id);
  };

  function t(key) {
    return STRINGS[state.lang][key];
  }
  /** The value in the chosen language, falling back to the other one. */
  function pick(en, ar) {
    return state.lang === 'ar' ? ar || en || '' : en || ar || '';
  }

  function api(method, path, body, contentType) {
    var init = { method: method, headers: { authorization: 'Bearer ' + state.token } };
    if (body !== undefined) {
      init.headers['content-type'] = contentType || 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (res) {
      return res.text().then(function (text) {
        var data = text ? JSON.parse(text) : null;
        if (!res.ok) {
          var err = new Error(data && data.desc ? pick(data.desc.en, data.desc.ar) : String(res.status));
          err.body = data;
          throw err;
        }
        return data;
      });
    });
  }

  function applyLanguage() {
    var root = document.documentElement;
    root.lang = state.lang;
    root.dir = state.lang === 'ar' ? 'rtl' : 'ltr';
    document.title = t('title');
    document.querySelectorAll('[data-i18n]').forEach(function (el) {
      el.textContent = t(el.getAttribute('data-i18n'));
    });
    var toggle = $('lang-toggle');
    toggle.textContent = t('toggle');
    toggle.lang = t('toggleLang');
    render();
  }

  function formatTime(iso) {
    try {
      return new Date(iso).toLocaleString(state.lang === 'ar' ? 'ar-AE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
    } catch (e) {
      return iso;
    }
  }

  function partyName(item) {
    return pick(item.requestingParty.name, item.requestingParty.nameAr);
  }

  function render() {
    if (!state.token) return;
    var pending = state.items.filter(function (i) {
      return i.status === 'TRIGGERED' && state.details[i.uaePassTransactionID];
    });
    var past = state.items.filter(function (i) {
      return i.status !== 'TRIGGERED';
    });
    var list = $('pending');
    list.textContent = '';
    pending.forEach(function (item) {
      list.appendChild(card(state.details[item.uaePassTransactionID]));
    });
    $('pending-empty').hidden = pending.length > 0;

    var history = $('history');
    history.textContent = '';
    past.forEach(function (item) {
      var li = document.createElement('li');
      li.dataset.id = item.uaePassTransactionID;
      var who = document.createElement('span');
      who.textContent = partyName(item) + ' · ' + pick(item.purpose, item.purposeAr);
      var status = document.createElement('span');
      status.className = 'status';
      status.dataset.status = item.status;
      status.textContent = t('status')[item.status] || item.status;
      li.append(who, status);
      if (item.status === 'ACCEPTED') {
        var revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'revoke';
        revoke.textContent = t('revoke');
        revoke.addEventListener('click', function () {
          if (!window.confirm(t('confirmRevoke'))) return;
          revoke.disabled = true;
          api('POST', '/app/v1/consents/' + item.uaePassTransactionID + '/revoke').then(refresh, function (e) {
            revoke.disabled = false;
            announce(e.message);
          });
        });
        li.appendChild(revoke);
      }
      history.appendChild(li);
    });
    renderStanding();
  }

  /** Standing consents: who may rely on them, for which documents, until when; revoke any active one. */
  function renderStanding() {
    var list = $('standing');
    list.textContent = '';
    state.standing.forEach(function (s) {
      var li = document.createElement('li');
      li.dataset.id = s.id;
      var who = document.createElement('span');
      who.className = 'who';
      var docs = s.documents
        .map(function (d) {
          return pick(d.name, d.nameAr);
        })
        .join('، ');
      who.textContent = partyName(s) + ' · ' + docs + ' · ' + t('until') + ' ' + formatTime(s.validUntil);
      var status = document.createElement('span');
      status.className = 'status';
      status.dataset.status = s.status;
      status.textContent = t('standingStatus')[s.status] || s.status;
      li.append(who, status);
      if (s.status === 'ACTIVE') {
        var revoke = document.createElement('button');
        revoke.type = 'button';
        revoke.className = 'revoke';
        revoke.textContent = t('revoke');
        revoke.addEventListener('click', function () {
          if (!window.confirm(t('confirmRevokeStanding'))) return;
          revoke.disabled = true;
          api('POST', '/app/v1/standing-consents/' + s.id + '/revoke').then(refresh, function (e) {
            revoke.disabled = false;
            announce(e.message);
          });
        });
        li.appendChild(revoke);
      }
      list.appendChild(li);
    });
    $('standing-empty').hidden = state.standing.length > 0;
  }

  function card(detail) {
    var node = $('request-card').content.firstElementChild.cloneNode(true);
    node.dataset.id = detail.uaePassTransactionID;
    node.querySelector('.party').textContent = t('requestedBy') + ': ' + partyName(detail);
    node.querySelector('.purpose').textContent = t('purpose') + ': ' + pick(detail.purpose, detail.purposeAr);
    node.querySelector('.expires').textContent = t('expires') + ': ' + formatTime(detail.expiresAt);
    if (detail.consent) {
      // The exact wording the user agrees to, in the chosen language and its direction.
      var statement = node.querySelector('.statement');
      statement.hidden = false;
      statement.lang = state.lang;
      statement.dir = state.lang === 'ar' ? 'rtl' : 'ltr';
      statement.querySelector('.statement-label').textContent = t('statementLabel');
      statement.querySelector('.statement-text').textContent = pick(detail.consent.statement, detail.consent.statementAr);
      if (detail.consent.termsUrl && /^https:\/\//.test(detail.consent.termsUrl)) {
        var terms = statement.querySelector('.terms');
        terms.hidden = false;
        terms.href = detail.consent.termsUrl;
        terms.textContent = t('terms');
      }
    }
    if (detail.validUntil) {
      var notice = node.querySelector('.standing-notice');
      notice.hidden = false;
      notice.textContent = t('standingNotice').replace('{date}', formatTime(detail.validUntil));
    }
    node.querySelector('legend').textContent = t('documents') + ' (' + t('holder') + ' ' + pick(detail.dataOwner.name, detail.dataOwner.nameAr) + ')';
    node.querySelector('.accept').textContent = t('accept');
    node.querySelector('.reject').textContent = t('reject');
    var docs = node.querySelector('.documents');
    detail.documents.forEach(function (doc, i) {
      var li = document.createElement('li');
      var id = 'doc-' + detail.uaePassTransactionID + '-' + i;
      var box = document.createElement('input');
      box.type = 'checkbox';
      box.id = id;
      box.checked = true;
      box.dataset.type = doc.type;
      var label = document.createElement('label');
      label.htmlFor = id;
      label.className = 'doc-name';
      label.textContent = ' ' + pick(doc.name, doc.nameAr);
      li.append(box, label);
      if (doc.mustBeAccepted) {
        var req = document.createElement('span');
        req.className = 'required';
        req.textContent = t('required');
        li.appendChild(req);
      }
      var meta = document.createElement('div');
      meta.className = 'meta';
      meta.textContent = doc.metadata
        .map(function (m) {
          return pick(m.displayName, m.displayNameAr);
        })
        .join(' · ');
      li.appendChild(meta);
      docs.appendChild(li);
    });
    var error = node.querySelector('.error');
    function send(accept) {
      var documents = Array.prototype.map.call(docs.querySelectorAll('input[type=checkbox]'), function (b) {
        return { type: b.dataset.type, accept: b.checked };
      });
      node.querySelectorAll('button').forEach(function (b) {
        b.disabled = true;
      });
      api(
        'POST',
        '/app/v1/consents/' + detail.uaePassTransactionID + '/decision',
        accept ? { accept: true, documents: documents } : { accept: false },
        'application/vnd.muwafaqa.consent-decision+json',
      ).then(refresh, function (e) {
        error.textContent = e.message;
        node.querySelectorAll('button').forEach(function (b) {
          b.disabled = false;
        });
        refresh();
      });
    }
    node.querySelector('.accept').addEventListener('click', function () {
      send(true);
    });
    node.querySelector('.reject').addEventListener('click', function () {
      send(false);
    });
    return node;
  }

  function announce(text) {
    $('live').textContent = text;
  }

  var refreshing = null;
  var again = false;
  /** Reloads the list (and the details of pending requests); coalesces bursts of events. */
  function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = Promise.all([api('GET', '/app/v1/consents?limit=50'), api('GET', '/app/v1/standing-consents')])
      .then(function (pages) {
        var page = pages[0];
        state.items = page.items;
        state.standing = pages[1].items;
        var missing = page.items.filter(function (i) {
          return i.status === 'TRIGGERED' && !state.details[i.uaePassTransactionID];
        });
        return Promise.all(
          missing.map(function (i) {
            return api('GET', '/app/v1/consents/' + i.uaePassTransactionID).then(function (d) {
              state.details[d.uaePassTransactionID] = d;
            });
          }),
        );
      })
      .then(render, function (e) {
        announce(t('failed') + ': ' + e.message);
      })
      .then(function () {
        refreshing = null;
        if (again) {
          again = false;
          refresh();
        }
      });
    return refreshing;
  }

  function deviceKey() {
    var key = localStorage.getItem('mwq-sse-id');
    if (!key) {
      key = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2);
      localStorage.setItem('mwq-sse-id', key);
    }
    return key;
  }

  /** Registers this browser as an 'sse' device and listens for new requests. */
  function connect() {
    return api('POST', '/app/v1/devices', { platform: 'sse', pushToken: deviceKey(), locale: state.lang }).then(function (device) {
      var url = '/app/v1/events?access_token=' + encodeURIComponent(state.token) + '&deviceId=' + encodeURIComponent(device.id);
      var events = new EventSource(url);
      state.events = events;
      events.addEventListener('ready', function () {
        document.body.dataset.live = 'ready';
        announce(t('connected'));
        refresh();
      });
      events.addEventListener('consent-request', function (e) {
        var data = JSON.parse(e.data);
        announce(t('newRequest') + ': ' + data.title);
        refresh();
      });
      events.onerror = function () {
        document.body.dataset.live = 'reconnecting';
        announce(t('offline'));
      };
    });
  }

  function start(token) {
    state.token = token;
    sessionStorage.setItem('mwq-token', token);
    $('signin').hidden = true;
    $('main').hidden = false;
    applyLanguage();
    refresh();
    connect().catch(function (e) {
      announce(t('failed') + ': ' + e.message);
    });
    // A safety net for missed events (the stream reconnects by itself): refresh now and then.
    setInterval(refresh, 30000);
  }

  document.addEventListener('DOMContentLoaded', function () {
    state.lang = localStorage.getItem('mwq-lang') === 'ar' ? 'ar' : 'en';
    $('lang-toggle').addEventListener('click', function () {
      state.lang = state.lang === 'ar' ? 'en' : 'ar';
      localStorage.setItem('mwq-lang', state.lang);
      announce('');
      applyLanguage();
    });
    $('signin-form').addEventListener('submit', function (e) {
      e.preventDefault();
      start($('token-input').value.trim());
    });
    var fromHash = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (fromHash) history.replaceState(null, '', location.pathname);
    var token = fromHash ? decodeURIComponent(fromHash[1]) : sessionStorage.getItem('mwq-token');
    applyLanguage();
    if (token) start(token);
    else $('signin').hidden = false;
  });
})();
