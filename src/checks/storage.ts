import { AwsClient } from "aws4fetch";
import type { CheckContext } from "./context";
import { combineProbes, notMonitored, probe, readBody, type CheckResult } from "./probe";

/**
 * File storage: a HeadBucket on the S3 API (AWS S3, or R2's S3 endpoint), signed with aws4fetch. Its
 * retries are off: the check's own timeout and the next run are the retry policy, and a retried request
 * would hide the latency the check is meant to see.
 */
export async function storageCheck({ env, signal, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) return notMonitored("S3_ENDPOINT, S3_BUCKET and S3 keys are not configured");
  const client = new AwsClient({ accessKeyId, secretAccessKey, region: env.S3_REGION || "auto", service: "s3", retries: 0 });
  const url = `${endpoint.replace(/\/+$/, "")}/${encodeURIComponent(bucket)}`;
  const result = await probe(async () => {
    const res = await client.fetch(url, { method: "HEAD", signal });
    await readBody(res, signal);
    return res.ok ? null : `HTTP ${res.status}`;
  });
  return combineProbes([result], degradedLatencyMs);
}
