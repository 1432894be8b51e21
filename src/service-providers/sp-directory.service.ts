import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { KEY_MATERIAL, REDIS, redisKey } from '../common/core.module';
import { subscriberOf } from '../common/redis';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { KeyMaterial } from '../common/key-material';
import { LruCache } from './lru-cache';
import { SpRepository } from './sp.repository';

/** What a request needs to know about an SP, with its secrets decrypted, cached in memory. */
export interface SpProfile {
  clientId: string;
  name: string;
  nameAr: string;
  disabled: boolean;
  callbackUrl: string | null;
  callbackApiKey: string | null;
  consentTtlSeconds: number;
  /** The furthest a send's validUntil may reach, in days from now. */
  standingConsentMaxDays: number;
  /** Active signing secrets, newest first (two during rotation). */
  signingSecrets: string[];
  /** `whsec_…`: when set, callbacks are also signed the Standard Webhooks way. */
  webhookSecret: string | null;
}

const CACHE_TTL_MS = 30_000;
/** Lookups name SPs that may not exist (any token's subject): misses are cached too, within this cap. */
const CACHE_MAX_ENTRIES = 10_000;

/**
 * Looks SPs up for the hot path. Entries live 30 s at most, at most 10 000 of them (least
 * recently used first out, expired ones swept), so lookups of made-up ids cannot grow memory;
 * any change made through the admin
 * API calls `invalidate`, which is published on Redis so every instance drops its copy at once.
 */
@Injectable()
export class SpDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SpDirectory.name);
  private readonly cache = new LruCache<string, Promise<SpProfile | null>>(CACHE_MAX_ENTRIES, CACHE_TTL_MS);
  private sweeper?: NodeJS.Timeout;
  private subscriber?: Redis;
  private readonly channel: string;

  constructor(
    private readonly repo: SpRepository,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(KEY_MATERIAL) private readonly keys: KeyMaterial,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.channel = redisKey(config, 'sp-changed');
  }

  async onModuleInit(): Promise<void> {
    this.subscriber = subscriberOf(this.redis); // also right on a Redis Cluster
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, clientId: string) => this.cache.delete(clientId));
    // After a reconnect, messages may have been missed: start from empty.
    this.subscriber.on('ready', () => this.cache.clear());
    await this.subscriber.subscribe(this.channel);
    this.sweeper = setInterval(() => this.cache.sweep(), CACHE_TTL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    this.subscriber?.disconnect();
  }

  get(clientId: string): Promise<SpProfile | null> {
    const hit = this.cache.get(clientId);
    if (hit) return hit;
    const profile = this.load(clientId);
    this.cache.set(clientId, profile);
    profile.catch(() => this.cache.delete(clientId));
    return profile;
  }

  async invalidate(clientId: string): Promise<void> {
    this.cache.delete(clientId);
    try {
      await this.redis.publish(this.channel, clientId);
    } catch (err) {
      this.logger.warn(`could not publish SP change for ${clientId}; other instances catch up within 30 s`);
    }
  }

  private async load(clientId: string): Promise<SpProfile | null> {
    const row = await this.repo.findWithSecrets(clientId);
    if (!row) return null;
    const box = this.keys.secretBox;
    return {
      clientId: row.client_id,
      name: row.name,
      nameAr: row.name_ar,
      disabled: row.disabled,
      callbackUrl: row.callback_url,
      callbackApiKey: row.callback_api_key_enc ? box.decrypt(row.callback_api_key_enc) : null,
      consentTtlSeconds: row.consent_ttl_seconds ?? this.config.consentTtlSeconds,
      standingConsentMaxDays: row.standing_consent_max_days ?? this.config.standingConsentMaxDays,
      signingSecrets: (row.secrets ?? []).map((s) => box.decrypt(s)),
      webhookSecret: row.webhook_secret_enc ? box.decrypt(row.webhook_secret_enc) : null,
    };
  }
}
