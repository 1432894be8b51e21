/**
 * The one error catalog. Every error the gateway answers comes from here, in the seed's form:
 * `{ "code": "...", "desc": { "ar": "...", "en": "..." } }`.
 *
 * Seed codes (UAE PASS Send Consent Request) keep their exact wording and meaning.
 * Placeholders are written `{name}` and filled by `renderError`.
 * New codes follow the seed's shape: CONS_* for consent rules, SEC_* for authentication and
 * signatures, REQ_* for transport-level problems (routing, media type, size, JSON).
 */
export interface CatalogEntry {
  /** HTTP status answered with this code. */
  status: number;
  en: string;
  ar: string;
  /** Why this code exists or why its status was chosen (shown in the OpenAPI catalog). */
  note?: string;
  /** True for codes copied from the UAE PASS seed. */
  seed?: boolean;
}

export const ERROR_CATALOG = {
  // ---- Seed codes: UAE PASS's published error table, wording unchanged (docs/consent-api.md) ----
  CONS_1000001: {
    status: 409,
    en: 'Transaction already exists.',
    ar: 'المعاملة موجودة بالفعل.',
    note: 'A transaction with this spTransactionID is still pending for this SP.',
    seed: true,
  },
  '401': {
    status: 401,
    en: 'UNAUTHORIZED',
    ar: 'UNAUTHORIZED',
    note: 'Missing headers: X-UAEPASS-Signature, X-Timestamp, or the access token.',
    seed: true,
  },
  '0001': {
    status: 404,
    en: 'User Profile does not exist with provided details',
    ar: 'ملف تعريف المستخدم غير موجود',
    seed: true,
  },
  CONS_1000002: {
    status: 409,
    en: 'Wrong Id document type.',
    ar: 'نوع مستند الهوية خاطئ.',
    note: 'The user profile holds no document of the requested idDocType for this identifier.',
    seed: true,
  },
  CONS_1000003: {
    status: 403,
    en: 'Account is not verified',
    ar: 'لم يتم التحقق من الحساب.',
    note: 'The seed prints the impossible status "094"; Muwafaqa answers 403 Forbidden: the caller is authenticated but the user account may not be asked for consent.',
    seed: true,
  },
  CONS_1000004: {
    status: 500,
    en: 'Required configuration is missing',
    ar: 'الاعدادات المطلوبة مفقودة.',
    note: 'The SP has no active signing secret, or the gateway lacks a key it needs.',
    seed: true,
  },
  CONS_1000005: {
    status: 401,
    en: 'Invalid signature.',
    ar: 'التوقيع غير صحيح.',
    seed: true,
  },
  CONS_1000006: {
    status: 400,
    en: 'idDocType is missing or invalid value, allowed values [EMIRATES_ID, PASSPORT, GCC_NATIONAL_ID_CARDS]',
    ar: 'idDocType is missing or invalid value, allowed values [EMIRATES_ID, PASSPORT, GCC_NATIONAL_ID_CARDS]',
    seed: true,
  },
  CONS_1000010: {
    status: 404,
    en: 'Transaction [{spTransactionID}] is not found.',
    ar: 'المعاملة [{spTransactionID}] غير موجودة.',
    note: 'Named by the UAE PASS API; not in its published error table.',
  },
  CONS_1000011: {
    status: 409,
    en: 'Consent for transaction ID [{spTransactionID}] has been done. Its current status is [{status}].',
    ar: 'تمت الموافقة على المعاملة رقم [{spTransactionID}]، وحالتها الحالية هي [{status}].',
    seed: true,
  },
  CONS_1000012: {
    status: 404,
    en: 'Service Provider [{spId}] is not found.',
    ar: 'مقدم الخدمة [{spId}] غير موجودة.',
    seed: true,
  },
  UMS_VAL_025: {
    status: 400,
    en: 'invalid identifier',
    ar: ' الهوية غير صحيحة',
    seed: true,
  },

  // ---- Consent rules the seed does not print ----
  CONS_1000007: {
    status: 400,
    en: 'Field [{field}] is missing or invalid: {reason}',
    ar: 'الحقل [{field}] مفقود أو غير صالح: {reasonAr}',
  },
  CONS_1000008: {
    status: 400,
    en: 'requestor with name, nameAr, identifier and idType is mandatory for requestType [peerToPeer].',
    ar: 'بيانات مقدم الطلب (الاسم، الاسم بالعربية، رقم الهوية، نوع الهوية) إلزامية لنوع الطلب [peerToPeer].',
  },
  CONS_1000009: {
    status: 400,
    en: 'requestedById is mandatory for requestType [spToSp] and not applicable for [peerToPeer].',
    ar: 'رقم مقدم الخدمة الطالب إلزامي لنوع الطلب [spToSp] وغير مسموح لنوع الطلب [peerToPeer].',
  },
  CONS_1000013: {
    status: 409,
    en: 'Transaction [{spTransactionID}] has expired.',
    ar: 'انتهت صلاحية المعاملة [{spTransactionID}].',
  },
  CONS_1000014: {
    status: 409,
    en: 'Transaction [{spTransactionID}] cannot move from [{from}] to [{to}].',
    ar: 'لا يمكن نقل المعاملة [{spTransactionID}] من الحالة [{from}] إلى الحالة [{to}].',
  },
  CONS_1000015: {
    status: 403,
    en: 'spId [{spId}] does not match the authenticated client.',
    ar: 'رقم مقدم الخدمة [{spId}] لا يطابق العميل الذي تم التحقق منه.',
  },
  CONS_1000016: {
    status: 403,
    en: 'Service Provider [{spId}] is disabled.',
    ar: 'مقدم الخدمة [{spId}] معطل.',
  },
  CONS_1000017: {
    status: 422,
    en: 'A document marked mustBeAccepted cannot be rejected alone; reject the whole request instead.',
    ar: 'لا يمكن رفض مستند إلزامي بمفرده؛ ارفض الطلب بالكامل بدلاً من ذلك.',
    note: 'Not used: rejecting a mustBeAccepted document rejects the request (docs/user-side.md). Kept reserved.',
  },
  CONS_1000018: {
    status: 400,
    en: 'Document [{type}] is not part of this request.',
    ar: 'المستند [{type}] ليس جزءاً من هذا الطلب.',
  },
  CONS_1000019: {
    status: 404,
    en: 'Consent request [{uaePassTransactionID}] is not found.',
    ar: 'طلب الموافقة [{uaePassTransactionID}] غير موجود.',
    note: 'Answered to a user asking for a request that does not exist or is not theirs (no existence leak).',
  },
  CONS_1000020: {
    status: 409,
    en: 'Transaction [{spTransactionID}] has no consent receipt; its status is [{status}].',
    ar: 'لا يوجد إيصال موافقة للمعاملة [{spTransactionID}]؛ حالتها الحالية هي [{status}].',
    note: 'Receipts exist only for consents the user accepted (they stay after revocation).',
  },

  // ---- Consent statement, terms and standing consent (issue 21) ----
  CONS_1000021: {
    status: 400,
    en: 'Consent statement [{field}] is missing or invalid: consent needs statement and statementAr, each a non-empty text of at most {max} characters.',
    ar: 'نص الموافقة [{field}] مفقود أو غير صالح: يجب أن تتضمن الموافقة statement و statementAr، كل منهما نص غير فارغ لا يتجاوز {max} حرفاً.',
    note: 'consent is optional; when sent it is an object with statement, statementAr and optionally termsUrl, nothing else.',
  },
  CONS_1000022: {
    status: 400,
    en: 'consent.termsUrl is invalid: an absolute https URL of at most {max} characters, without user name or password.',
    ar: 'consent.termsUrl غير صالح: يجب أن يكون رابط https كاملاً لا يتجاوز {max} حرفاً، دون اسم مستخدم أو كلمة مرور.',
  },
  CONS_1000023: {
    status: 400,
    en: 'validUntil is invalid: an ISO 8601 date-time with a time zone, e.g. 2027-06-30T23:59:59Z.',
    ar: 'validUntil غير صالح: يجب أن يكون تاريخاً ووقتاً بصيغة ISO 8601 مع المنطقة الزمنية، مثل 2027-06-30T23:59:59Z.',
  },
  CONS_1000024: {
    status: 400,
    en: 'validUntil [{validUntil}] is not in the future.',
    ar: 'قيمة validUntil [{validUntil}] ليست في المستقبل.',
  },
  CONS_1000025: {
    status: 400,
    en: 'validUntil [{validUntil}] is beyond the {maxDays} days a standing consent of this Service Provider may last.',
    ar: 'قيمة validUntil [{validUntil}] تتجاوز {maxDays} يوماً، وهي أقصى مدة لموافقة دائمة لدى مقدم الخدمة هذا.',
    note: "The limit is the SP's standingConsentMaxDays (set at onboarding or by an operator), else STANDING_CONSENT_MAX_DAYS.",
  },
  CONS_1000026: {
    status: 404,
    en: 'Standing consent [{id}] is not found.',
    ar: 'الموافقة الدائمة [{id}] غير موجودة.',
    note: 'Answered to a user naming a standing consent that does not exist or is not theirs (no existence leak).',
  },
  CONS_1000027: {
    status: 409,
    en: 'Standing consent [{id}] is already revoked.',
    ar: 'الموافقة الدائمة [{id}] ملغاة بالفعل.',
  },

  // ---- Security ----
  SEC_1000001: {
    status: 401,
    en: 'The access token is invalid or expired.',
    ar: 'رمز الوصول غير صالح أو منتهي الصلاحية.',
  },
  SEC_1000002: {
    status: 403,
    en: 'The access token lacks the required scope [{scope}].',
    ar: 'رمز الوصول لا يتضمن الصلاحية المطلوبة [{scope}].',
  },
  SEC_1000003: {
    status: 401,
    en: 'X-Timestamp is outside the allowed window of {windowSeconds} seconds.',
    ar: 'قيمة X-Timestamp خارج النافذة المسموح بها البالغة {windowSeconds} ثانية.',
  },
  SEC_1000004: {
    status: 401,
    en: 'This signed request has already been received (replay).',
    ar: 'تم استلام هذا الطلب الموقع من قبل (إعادة إرسال).',
  },
  SEC_1000005: {
    status: 429,
    en: 'Too many requests; retry after {retryAfter} seconds.',
    ar: 'عدد كبير جداً من الطلبات؛ أعد المحاولة بعد {retryAfter} ثانية.',
  },
  SEC_1000006: {
    status: 401,
    en: 'X-Timestamp must be Unix time in milliseconds.',
    ar: 'يجب أن تكون قيمة X-Timestamp وقت يونكس بالملي ثانية.',
  },
  SEC_1000007: {
    status: 403,
    en: 'This route is not available to the authenticated caller.',
    ar: 'هذا المسار غير متاح للجهة التي تم التحقق منها.',
  },
  SEC_1000008: {
    status: 404,
    en: 'Token signing key [{kid}] is not found or already retired.',
    ar: 'مفتاح توقيع الرموز [{kid}] غير موجود أو تم إيقافه بالفعل.',
  },
  SEC_1000009: {
    status: 409,
    en: 'Token signing key [{kid}] is the one signing new tokens; rotate before retiring it.',
    ar: 'مفتاح توقيع الرموز [{kid}] هو المستخدم لتوقيع الرموز الجديدة؛ قم بالتدوير قبل إيقافه.',
  },

  SEC_1000050: {
    status: 401,
    en: 'Metrics require the bearer token configured for scraping.',
    ar: 'تتطلب المقاييس رمز الوصول المهيأ لجمعها.',
    note: 'GET /metrics with METRICS_TOKEN set: send Authorization: Bearer <METRICS_TOKEN>.',
  },
  SEC_1000051: {
    status: 403,
    en: 'Metrics are not served without authentication in production.',
    ar: 'لا تُتاح المقاييس دون مصادقة في بيئة الإنتاج.',
    note: 'NODE_ENV=production without METRICS_TOKEN: set METRICS_TOKEN, or METRICS_PORT for an internal listener.',
  },
  SEC_1000040: {
    status: 401,
    en: 'The access token in header [{header}] is invalid or expired.',
    ar: 'رمز الوصول في الترويسة [{header}] غير صالح أو منتهي الصلاحية.',
    note: 'Names the header that carried the token: X-UP-AccessToken, or Authorization when it carries the access token alone.',
  },
  SEC_1000041: {
    status: 401,
    en: 'The id_token in header [Authorization] is invalid, expired, or not issued to the client of the access token in [X-UP-AccessToken].',
    ar: 'رمز الهوية (id_token) في الترويسة [Authorization] غير صالح أو منتهي الصلاحية أو لم يصدر لعميل رمز الوصول في [X-UP-AccessToken].',
    note: 'UAE PASS header pair: both tokens must verify and name the same client.',
  },
  SEC_1000042: {
    status: 401,
    en: 'Header [{header}] is missing or is not of the form "Bearer <token>".',
    ar: 'الترويسة [{header}] مفقودة أو ليست بالصيغة "Bearer <token>".',
    note: 'The scheme name is case-insensitive (RFC 7235): "bearer" works too.',
  },
  SEC_1000043: {
    status: 401,
    en: 'X-Timestamp [{timestamp}] looks like seconds; it must be Unix time in milliseconds.',
    ar: 'قيمة X-Timestamp [{timestamp}] تبدو بالثواني؛ يجب أن تكون وقت يونكس بالملي ثانية.',
    note: 'A timestamp outside the window that would be inside it once multiplied by 1000.',
  },

  SEC_1000052: {
    status: 429,
    en: 'Too many requests for identifiers without a verified profile; retry after {retryAfter} seconds.',
    ar: 'عدد كبير جداً من الطلبات لمعرّفات ليس لها ملف موثق؛ أعد المحاولة بعد {retryAfter} ثانية.',
    note: 'Send and validate, once the SP spent IDENTIFIER_PROBE_BUDGET answers 0001 / CONS_1000003 in the window (enumeration).',
  },

  // ---- Transport ----
  REQ_1000001: {
    status: 400,
    en: 'The request body is not valid JSON.',
    ar: 'محتوى الطلب ليس بصيغة JSON صالحة.',
  },
  REQ_1000002: {
    status: 413,
    en: 'The request body is larger than {limit} bytes.',
    ar: 'حجم محتوى الطلب أكبر من {limit} بايت.',
  },
  REQ_1000003: {
    status: 415,
    en: 'Unsupported content type; expected [{expected}].',
    ar: 'نوع المحتوى غير مدعوم؛ المتوقع [{expected}].',
  },
  REQ_1000004: {
    status: 404,
    en: 'Route [{method} {path}] is not found.',
    ar: 'المسار [{method} {path}] غير موجود.',
  },
  REQ_1000005: {
    status: 400,
    en: 'The request is malformed.',
    ar: 'الطلب غير صحيح التكوين.',
  },
  REQ_1000006: {
    status: 503,
    en: 'The service is temporarily unavailable; retry shortly.',
    ar: 'الخدمة غير متاحة مؤقتاً؛ أعد المحاولة بعد قليل.',
    note: 'A dependency (database or Redis) is unreachable. Nothing was written.',
  },
  REQ_1000007: {
    status: 500,
    en: 'An unexpected error occurred; reference [{requestId}].',
    ar: 'حدث خطأ غير متوقع؛ المرجع [{requestId}].',
    note: 'A bug, never a bad input. The reference is the request id in the logs.',
  },
  // REQ_1000008 (a malformed header) was published but never answered: retired, do not reuse.
  REQ_1000009: {
    status: 431,
    en: 'The request line or headers are too large.',
    ar: 'سطر الطلب أو ترويساته كبيرة جداً.',
    note: 'Answered by the HTTP layer before any route runs (oversized URL or header block).',
  },

  // ---- OAuth2 token endpoint (also answered with RFC 6749 error fields) ----
  OAUTH_1000001: {
    status: 401,
    en: 'Client authentication failed.',
    ar: 'فشل التحقق من هوية العميل.',
    note: 'RFC 6749 invalid_client; answered with WWW-Authenticate: Basic.',
  },
  OAUTH_1000002: {
    status: 400,
    en: 'grant_type must be client_credentials.',
    ar: 'يجب أن تكون قيمة grant_type هي client_credentials.',
    note: 'RFC 6749 unsupported_grant_type.',
  },
  OAUTH_1000003: {
    status: 400,
    en: 'The requested scope [{scope}] is not allowed for this client.',
    ar: 'الصلاحية المطلوبة [{scope}] غير مسموحة لهذا العميل.',
    note: 'RFC 6749 invalid_scope.',
  },
  OAUTH_1000004: {
    status: 400,
    en: 'The token request is malformed: {reason}',
    ar: 'طلب الرمز غير صحيح التكوين: {reasonAr}',
    note: 'RFC 6749 invalid_request.',
  },

  // ---- Admin ----
  ADM_1000001: {
    status: 409,
    en: 'Service Provider [{clientId}] already exists.',
    ar: 'مقدم الخدمة [{clientId}] موجود بالفعل.',
  },
  ADM_1000002: {
    status: 409,
    en: 'Identity document [{idDocType}] is already registered to another user.',
    ar: 'مستند الهوية [{idDocType}] مسجل بالفعل لمستخدم آخر.',
  },
  ADM_1000003: {
    status: 404,
    en: 'User [{id}] is not found.',
    ar: 'المستخدم [{id}] غير موجود.',
  },
  ADM_1000004: {
    status: 400,
    en: 'The paging cursor is invalid; start again without a cursor.',
    ar: 'مؤشر الصفحات غير صالح؛ ابدأ من جديد بدون مؤشر.',
    note: 'Ops API paging: the cursor is opaque and must be passed back exactly as received.',
  },

  ADM_1000050: {
    status: 400,
    en: 'callbackUrl is not allowed: {reason}.',
    ar: 'رابط الاستدعاء callbackUrl غير مسموح: {reasonAr}.',
    note: 'Egress policy (src/security/egress-policy.ts): https in production; no credentials in the URL; no loopback, private, link-local, CGNAT, unique-local or multicast destination unless EGRESS_ALLOW_PRIVATE or EGRESS_ALLOW_HOSTS allows it.',
  },

  // ---- Notifications (devices, live events) ----
  NTF_1000001: {
    status: 404,
    en: 'Device [{deviceId}] is not found.',
    ar: 'الجهاز [{deviceId}] غير موجود.',
    note: 'Answered for a device that does not exist or belongs to another user (no existence leak).',
  },
  NTF_1000002: {
    status: 400,
    en: 'Invalid device registration: {reason}.',
    ar: 'تسجيل الجهاز غير صالح: {reasonAr}.',
    note: 'platform must be fcm, apns, webpush or sse; pushToken a non-empty string (a Web Push subscription as JSON); locale en or ar.',
  },

  // ---- Privacy (access audit) ----
  PRV_1000001: {
    status: 400,
    en: 'X-Access-Reason is invalid: one line of at most {max} characters.',
    ar: 'قيمة X-Access-Reason غير صالحة: سطر واحد لا يتجاوز {max} حرفاً.',
    note: 'The optional why of an operator read, kept in the append-only access log.',
  },

  // ---- Ops console (/ops, operators signed in through the organisation's IdP) ----
  OPS_1000001: {
    status: 401,
    en: 'Sign in to the ops console first.',
    ar: 'سجّل الدخول إلى وحدة التشغيل أولاً.',
    note: 'No session cookie, a tampered or unsigned one, or a session that ended (logout, expiry).',
  },
  OPS_1000002: {
    status: 403,
    en: 'Your role ({role}) may not do this; it needs {needed}.',
    ar: 'دورك ({role}) لا يسمح بهذا الإجراء؛ يلزم دور {needed}.',
    note: 'Roles come from the IdP groups (OPS_ROLE_GROUPS): viewer reads, operator also retries jobs, admin also rotates secrets.',
  },
  OPS_1000003: {
    status: 403,
    en: 'The form is missing its security token or it has expired; reload the page and try again.',
    ar: 'النموذج يفتقد رمز الحماية أو انتهت صلاحيته؛ أعد تحميل الصفحة وحاول مرة أخرى.',
    note: "CSRF: every state-changing form carries the session's token.",
  },
  OPS_1000004: {
    status: 400,
    en: 'Sign-in failed: {reason}. Start again from the sign-in page.',
    ar: 'فشل تسجيل الدخول: {reasonAr}. ابدأ من جديد من صفحة تسجيل الدخول.',
    note: 'The authorization-code callback was refused: state mismatch, missing PKCE verifier, unknown or used login, or the IdP refused the code.',
  },
  OPS_1000005: {
    status: 403,
    en: 'Your account has no ops console role.',
    ar: 'حسابك لا يملك أي دور في وحدة التشغيل.',
    note: "Signed in at the IdP, but none of the account's groups maps to a role in OPS_ROLE_GROUPS.",
  },
  OPS_1000006: {
    status: 404,
    en: 'Job [{jobId}] is not in the failed list of queue [{queue}].',
    ar: 'المهمة [{jobId}] غير موجودة في قائمة المهام الفاشلة للطابور [{queue}].',
  },
  OPS_1000007: {
    status: 502,
    en: 'The identity provider could not be reached or answered unexpectedly.',
    ar: 'تعذر الوصول إلى مزود الهوية أو أجاب بشكل غير متوقع.',
    note: 'OpenID discovery, token or userinfo call failed; nothing was signed in.',
  },
  OPS_1000030: {
    status: 405,
    en: 'The queue board is read-only. Retry a failed job through the ops console or /admin/v1.',
    ar: 'لوحة الطوابير للقراءة فقط. أعد محاولة المهمة الفاشلة من وحدة التشغيل أو من ‎/admin/v1.',
    note: 'Any request but GET or HEAD on /admin/queues: jobs are added only by the outbox relay, and retries go through the audited ops routes.',
  },
} satisfies Record<string, CatalogEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface ErrorBody {
  code: string;
  desc: { ar: string; en: string };
}

export function renderError(code: ErrorCode, params: Record<string, string | number> = {}): ErrorBody {
  const entry: CatalogEntry = ERROR_CATALOG[code];
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  return { code, desc: { ar: fill(entry.ar), en: fill(entry.en) } };
}
