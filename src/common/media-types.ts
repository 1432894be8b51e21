/** The consent decision's media type (after PingOne's `application/vnd.pingidentity.user.consent+json`). */
export const DECISION_MEDIA_TYPE = 'application/vnd.muwafaqa.consent-decision+json';
