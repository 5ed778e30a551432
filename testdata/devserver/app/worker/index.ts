interface Env {
  GREETING: string;
  TOKEN?: string;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/api/hello") {
      return new Response(`${env.GREETING} v1 token=${env.TOKEN ? "set" : "unset"}`);
    }
    return new Response("not found", { status: 404 });
  },
};
