// Backup files in an S3-compatible bucket: <prefix><service>/<file>. Uploads
// stream in parts of a fixed size (the only memory one upload holds); the
// object appears only when the multipart upload is completed, and a failed
// one is aborted, so a partial backup never exists as an object. Endpoints
// other than AWS's get path-style requests (MinIO, s3rver, Garage).
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand, type CompletedPart,
} from '@aws-sdk/client-s3';
import type { S3BackupConfig } from '../config/index.js';
import { BerthError } from '../shared/errors.js';
import { backupMissing, checkBackupPath, type BackupFiles } from './backup-files.js';

export function s3BackupFiles(cfg: S3BackupConfig, partBytes: number): BackupFiles {
  const client = new S3Client({
    region: cfg.region,
    endpoint: cfg.endpoint,
    forcePathStyle: cfg.endpoint !== undefined,
    credentials: cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined,
    // Checksums on every part would make the SDK buffer bodies it cannot hash as streams; parts are buffers anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const keyOf = (service: string, file: string) => { checkBackupPath(service, file); return `${cfg.prefix}${service}/${file}`; };
  const where = `s3://${cfg.bucket}/${cfg.prefix}`;
  return {
    where,
    async put(service, file, input, signal) {
      const Key = keyOf(service, file);
      try {
        return await upload(client, cfg.bucket, Key, input, partBytes, signal);
      } catch (err) {
        input.destroy();
        throw s3Error(err, `could not upload ${where}${service}/${file}`);
      }
    },
    async get(service, file, signal) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: keyOf(service, file) }), { abortSignal: signal });
        return res.Body as Readable;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) throw backupMissing(service, file);
        throw s3Error(err, `could not read ${where}${service}/${file}`);
      }
    },
    async remove(service, file) {
      await client.send(new DeleteObjectCommand({ Bucket: cfg.bucket, Key: keyOf(service, file) }))
        .catch((err) => { throw s3Error(err, `could not remove ${where}${service}/${file}`); });
    },
  };
}

/** Reads `input` part by part; one part small enough for a single PUT goes as one. */
async function upload(client: S3Client, Bucket: string, Key: string, input: Readable, partBytes: number, signal?: AbortSignal): Promise<{ size: number }> {
  const parts = readParts(input, partBytes);
  const first = await parts.next();
  const firstPart = first.done ? Buffer.alloc(0) : first.value;
  const second = first.done ? { done: true as const, value: undefined } : await parts.next();
  if (second.done) {
    await client.send(new PutObjectCommand({ Bucket, Key, Body: firstPart, ContentLength: firstPart.length }), { abortSignal: signal });
    return { size: firstPart.length };
  }
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key }), { abortSignal: signal });
  const done: CompletedPart[] = [];
  let size = 0;
  try {
    const send = async (body: Buffer) => {
      const PartNumber = done.length + 1;
      const res = await client.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: body, ContentLength: body.length }), { abortSignal: signal });
      done.push({ ETag: res.ETag, PartNumber });
      size += body.length;
    };
    await send(firstPart);
    await send(second.value);
    for await (const part of parts) await send(part);
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: done } }), { abortSignal: signal });
    return { size };
  } catch (err) {
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw err;
  }
}

/** Cuts a stream into buffers of exactly `size` bytes (the last may be shorter). */
async function* readParts(input: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingLen = 0;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let c = chunk;
    while (pendingLen + c.length >= size) {
      const take = size - pendingLen;
      pending.push(c.subarray(0, take));
      yield Buffer.concat(pending);
      pending = [];
      pendingLen = 0;
      c = c.subarray(take);
    }
    if (c.length) { pending.push(c); pendingLen += c.length; }
  }
  if (pendingLen > 0) yield Buffer.concat(pending);
}

function s3Error(err: unknown, what: string): BerthError {
  if (err instanceof BerthError) return err;
  const e = err as { name?: string; message?: string; Code?: string };
  const hint = e.name === 'NoSuchBucket' ? 'create the bucket, or fix BERTH_BACKUP_S3_BUCKET'
    : /credential|AccessDenied|Signature/i.test(`${e.name} ${e.message}`) ? 'check BERTH_BACKUP_S3_ACCESS_KEY_ID and BERTH_BACKUP_S3_SECRET_ACCESS_KEY'
      : 'check BERTH_BACKUP_S3_ENDPOINT and that the bucket answers';
  return new BerthError('backup_store_failed', `${what}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`, { cause: err, expose: true, hint });
}
