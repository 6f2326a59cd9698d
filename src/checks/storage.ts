import { AwsClient } from "aws4fetch";
import type { CheckContext } from "./context";
import { combineProbes, fetchTarget, notMonitored, readBody, type CheckResult } from "./probe";

/**
 * File storage: a HeadBucket on the S3 API (AWS S3, or R2's S3 endpoint), signed with aws4fetch and sent
 * once through fetchTarget, as every check's request is: the check's own timeout and the next run are the
 * retry policy (a retried request would hide the latency the check is meant to see), and a bucket that
 * cannot be reached is worded, and has no response time, as any other unreachable target.
 */
export async function storageCheck({ env, request, degradedLatencyMs }: CheckContext): Promise<CheckResult> {
  const { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!endpoint || !bucket || !accessKeyId || !secretAccessKey) return notMonitored("S3_ENDPOINT, S3_BUCKET and S3 keys are not configured");
  const client = new AwsClient({ accessKeyId, secretAccessKey, region: env.S3_REGION || "auto", service: "s3" });
  const url = `${endpoint.replace(/\/+$/, "")}/${encodeURIComponent(bucket)}`;
  const result = await request(async (signal) => {
    const signed = await client.sign(url, { method: "HEAD" });
    const res = await fetchTarget(signed.url, { method: signed.method, headers: signed.headers, signal });
    await readBody(res, signal);
    return res.ok ? null : `HTTP ${res.status}`;
  });
  return combineProbes([result], degradedLatencyMs);
}
