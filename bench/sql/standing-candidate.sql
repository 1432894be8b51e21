-- The first step of the standing-consent lookup (StandingConsentRepository.findReusable,
-- CANDIDATE_SQL): the conditions on standing_consents and the user's tables only. Most sends stop
-- here; the full lookup (standing-lookup.sql) runs only when a candidate exists. Run as that one:
--   PGOPTIONS='-c plan_cache_mode=force_generic_plan' pgbench -n -f bench/sql/standing-candidate.sql -D sp=<clientId> -D hash=<identifier_hash> -M prepared -c 8 -j 2 -T 8 <db>
SELECT 1
  FROM standing_consents s
  JOIN user_documents d ON d.user_id = s.user_id AND d.identifier_hash = :hash AND d.id_doc_type = 'EMIRATES_ID'
  JOIN user_profiles p ON p.id = s.user_id AND p.verified
 WHERE s.sp_id = :sp AND s.recipient = 'sp' || ':' || :sp AND s.request_type = 'spToSp'
   AND s.revoked_at IS NULL AND s.valid_until > now()
   AND s.document_types @> ARRAY['EMIRATES_ID']::text[]
 LIMIT 1;
