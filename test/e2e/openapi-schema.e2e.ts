import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { openApiDocument } from "../../src/openapi/document";

// The validator compiles the official OpenAPI 3.1 JSON Schema at run time, which workerd does not allow,
// so this check runs in Node on the same pure function the worker serves from.

describe("OpenAPI document against the official OpenAPI 3.1 schema", () => {
  it("validates, with no errors", async () => {
    const doc = openApiDocument({ name: "Beacon", url: "https://status.example.com", logo_url: null, description: null, time_zone: "UTC" });
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as object);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });
});
