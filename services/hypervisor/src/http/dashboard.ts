// `/`: the dashboard, a self-contained page (dashboard-page.ts) polling the JSON API and /metrics.
import { type Route, sendText } from "@xenfs/service-kit";
import { DASHBOARD_PAGE } from "./dashboard-page.js";

export function dashboardRoute(): Route {
  return {
    method: "GET",
    path: "/",
    handler: (_q, res) => sendText(res, 200, DASHBOARD_PAGE, "text/html; charset=utf-8"),
  };
}
