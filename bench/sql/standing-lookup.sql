-- The standing-consent lookup every send runs before its batched statement
-- (StandingConsentService.answerFromStanding, REUSABLE_SQL), for a user with no standing consent
-- (the common case). Run it the way TypeORM sends it (unnamed statement: planned on every call)
-- and as a named prepared statement under the gateway's force_generic_plan (the gateway binds the
-- optional terms as NULL parameters; pgbench cannot bind a NULL, so they are literals here):
--   pgbench -n -f bench/sql/standing-lookup.sql -D sp=<clientId> -D hash=<identifier_hash> -M extended -c 16 -j 2 -T 10 <db>
--   PGOPTIONS='-c plan_cache_mode=force_generic_plan' pgbench … -M prepared …
SELECT s.id, s.user_id
  FROM standing_consents s
  JOIN consent_transactions t ON t.id = s.id
  JOIN user_documents d ON d.user_id = s.user_id AND d.identifier_hash = :hash AND d.id_doc_type = 'EMIRATES_ID'
  JOIN user_profiles p ON p.id = s.user_id AND p.verified
 WHERE s.sp_id = :sp AND s.recipient = 'sp' || ':' || :sp AND s.request_type = 'spToSp'
   AND s.revoked_at IS NULL AND s.valid_until > now() AND t.status = 'ACCEPTED'
   AND s.document_types @> ARRAY['EMIRATES_ID']::text[]
   AND (NULL::timestamptz IS NULL OR s.valid_until >= NULL::timestamptz)
   AND (NULL::text IS NULL OR (t.consent_terms->>'statement' = NULL AND t.consent_terms->>'statementAr' = NULL
                              AND coalesce(t.consent_terms->>'termsUrl', '') = coalesce(NULL, '')))
 ORDER BY s.valid_until DESC, s.id
 LIMIT 1;
