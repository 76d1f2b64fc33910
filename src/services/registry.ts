// The kinds Berth offers, in this order (services:create's help and the
// dashboard list them so). A new kind is one file plus one line here.
import { fail } from '../shared/errors.js';
import { postgresKind } from './postgres.js';
import { redisKind } from './redis.js';
import type { ServiceKind, ServiceKindName } from './service-kind.js';

export interface KindImages { readonly postgres: string; readonly redis: string }

export function serviceKinds(images: KindImages): readonly ServiceKind[] {
  return [postgresKind(images.postgres), redisKind(images.redis)];
}

export function kindOf(images: KindImages, raw: unknown): ServiceKind {
  const all = serviceKinds(images);
  const found = all.find((k) => k.kind === raw);
  if (!found) {
    const shown = typeof raw === 'string' ? `"${raw.slice(0, 40)}"` : 'missing';
    throw fail('invalid_service_kind', `unknown service kind ${shown}: use ${all.map((k) => k.kind).join(' or ')}`,
      'for example: berth services:create postgres db');
  }
  return found;
}

export const isKindName = (images: KindImages, raw: unknown): raw is ServiceKindName => serviceKinds(images).some((k) => k.kind === raw);
