// Types for what the bundler adds to modules (valet's and Vite's agree):
// importing a CSS file for its side effect, an asset for its URL, and
// import.meta.env. With Vite installed you may replace this file with:
//   /// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly MODE: string;
  readonly DEV: boolean;
  readonly PROD: boolean;
  readonly BASE_URL: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

declare module "*.css";

declare module "*.svg" {
  const url: string;
  export default url;
}

declare module "*.png" {
  const url: string;
  export default url;
}

declare module "*.jpg" {
  const url: string;
  export default url;
}

declare module "*.webp" {
  const url: string;
  export default url;
}
