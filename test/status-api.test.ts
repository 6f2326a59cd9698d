import { describe, expect, it } from "vitest";
import { call, createIncident, DEFAULT_COMPONENTS, json, admin } from "./support/api";

describe("public status API", () => {
  it("lists the five default components in order, all operational, with no incidents", async () => {
    const res = await call("GET", "/api/status");
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.components.map((c: any) => c.name)).toEqual(["API", "Database", "File Storage", "Email Service", "Authentication"]);
    expect(body.overall_status).toBe("operational");
    expect(body.recent_incidents).toEqual([]);
    expect(body.scheduled_maintenance).toEqual([]);
    expect(Date.parse(body.last_updated)).not.toBeNaN();
  });

  it("shows an incident's component status until it is resolved", async () => {
    const incident = await createIncident({ affected_components: [{ id: DEFAULT_COMPONENTS.database, status: "major_outage" }] });
    expect(incident.status).toBe("investigating");
    let body = await json(await call("GET", "/api/status"));
    expect(body.overall_status).toBe("major_outage");
    expect(body.components.find((c: any) => c.id === DEFAULT_COMPONENTS.database).status).toBe("major_outage");
    expect(body.recent_incidents[0].id).toBe(incident.id);

    const resolved = await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "Disk full", resolution: "Grew the disk" });
    expect(resolved.status).toBe(200);
    body = await json(await call("GET", "/api/status"));
    expect(body.overall_status).toBe("operational");
    const again = await admin("POST", `/api/status/incidents/${incident.id}/resolve`, { root_cause: "x", resolution: "y" });
    expect(again.status).toBe(409);
  });
});
