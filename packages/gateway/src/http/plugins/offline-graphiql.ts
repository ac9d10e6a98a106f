import type { GraphiQLOptions, Plugin } from 'graphql-yoga';

/**
 * GraphiQL served entirely by the gateway. yoga's default page loads its scripts, styles and editor
 * workers from unpkg.com, so without internet (or behind the Great Firewall) it never leaves
 * "Loading...". The same build ships in @graphql-yoga/render-graphiql (pinned to the installed
 * graphql-yoga); its assets are served here under GRAPHIQL_ASSETS_PATH and the page references nothing else.
 */
export const GRAPHIQL_ASSETS_PATH = '/graphiql-assets';

type Bundle = typeof import('@graphql-yoga/render-graphiql/graphiql');

const ASSETS = new Map<string, { type: string; body: (bundle: Bundle) => string | Uint8Array<ArrayBuffer> }>(
  Object.entries({
    'graphiql.css': { type: 'text/css; charset=utf-8', body: (b: Bundle) => b.css },
    'yoga-graphiql.js': { type: 'text/javascript; charset=utf-8', body: (b: Bundle) => b.js },
    'editor.worker.js': {
      type: 'text/javascript; charset=utf-8',
      body: (b: Bundle) => b.editorWorkerService,
    },
    'json.worker.js': { type: 'text/javascript; charset=utf-8', body: (b: Bundle) => b.jsonWorker },
    'graphql.worker.js': { type: 'text/javascript; charset=utf-8', body: (b: Bundle) => b.graphqlWorker },
    'favicon.ico': {
      type: 'image/x-icon',
      body: (b: Bundle) => new Uint8Array(Buffer.from(b.favicon.slice(b.favicon.indexOf(',') + 1), 'base64')),
    },
  }),
);

// 9 MB of JavaScript: loaded on the first asset request, never in production (GraphiQL is off there)
let bundle: Promise<Bundle> | undefined;
const loadBundle = () => {
  bundle ??= import('@graphql-yoga/render-graphiql/graphiql');
  return bundle;
};

/** A value inside an inline <script>: `<` escaped so no string can close the script element. */
const scriptValue = (value: unknown) => JSON.stringify(value).replaceAll('<', '\\u003c');

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** yoga's `renderGraphiQL`: the page, with every asset on this origin. */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const asset = (name: string) => `${GRAPHIQL_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escapeHtml(options.title ?? 'GraphiQL')}</title>
    <link rel="icon" href="${asset('favicon.ico')}" />
    <link rel="stylesheet" href="${asset('graphiql.css')}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      const workers = {
        editorWorkerService: ${scriptValue(asset('editor.worker.js'))},
        json: ${scriptValue(asset('json.worker.js'))},
        graphql: ${scriptValue(asset('graphql.worker.js'))},
      };
      self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: (_moduleId, label) => workers[label] };
    </script>
    <script src="${asset('yoga-graphiql.js')}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptValue(options)});
    </script>
  </body>
</html>
`;
}

/** Serves GraphiQL's assets (GET/HEAD under GRAPHIQL_ASSETS_PATH); unknown names are 404. */
export function offlineGraphiQLAssetsPlugin(): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(`${GRAPHIQL_ASSETS_PATH}/`)) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const asset = ASSETS.get(url.pathname.slice(GRAPHIQL_ASSETS_PATH.length + 1));
      if (asset === undefined) {
        endResponse(new fetchAPI.Response('not found', { status: 404 }));
        return;
      }
      const body = asset.body(await loadBundle());
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          status: 200,
          // the bundle only changes with the pinned package, i.e. with a new gateway build
          headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=3600' },
        }),
      );
    },
  };
}
