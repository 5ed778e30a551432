import { Hono } from "hono";
import { Container, getContainer, getRandom } from "@cloudflare/containers";

export class MyContainer extends Container {
  defaultPort = 8080;
  sleepAfter = "2s";
  envVars = { MSG: "from-lib" };
  override onStart() {
    console.log("container started");
  }
  override onStop({ exitCode, reason }: { exitCode: number; reason: string }) {
    console.log("container stopped", exitCode, reason);
  }
  override onError(err: unknown) {
    console.log("container error", String(err));
    throw err;
  }
}

type Env = { MY_CONTAINER: DurableObjectNamespace<MyContainer> };

const app = new Hono<{ Bindings: Env }>();
app.get("/lb/*", async (c) => (await getRandom(c.env.MY_CONTAINER, 3)).fetch(c.req.raw));
app.get("/one/*", (c) => getContainer(c.env.MY_CONTAINER, "one").fetch(c.req.raw));
app.get("/ws/*", (c) => getContainer(c.env.MY_CONTAINER, "ws").fetch(c.req.raw));
app.get("/state", async (c) => c.json(await getContainer(c.env.MY_CONTAINER, "one").getState()));
export default app;
