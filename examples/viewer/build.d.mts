/** Where build.mjs writes by default (examples/viewer/dist). */
export declare const DIST: string;
/** Bundles the page for browsers: the HTML and the script it loads as `./viewer.js`. */
export declare function buildViewerPage(options?: { minify?: boolean; title?: string }): Promise<{ html: string; script: string }>;
/** Bundles the Node back end (and the testkit, for serve.mjs) into `<outDir>/server.mjs`; returns its path. */
export declare function buildViewerServer(outDir?: string): Promise<string>;
/** Writes index.html, viewer.js and server.mjs into `outDir`. */
export declare function writeViewerDist(outDir?: string): Promise<string>;
