// A TypeDoc plugin (see typedoc.json): names each entry point's module after the import path users
// write, "@channels-ts/core/server" instead of TypeDoc's guess from the file path, "core/src/server".
import { Converter } from "typedoc";

const SOURCE_PATH = /^(?:packages\/)?(core|client|layer-[\w-]+)\/src(?:\/(.+))?$/;

/** @param {import("typedoc").Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      const match = SOURCE_PATH.exec(module.name);
      if (match) module.name = `@channels-ts/${match[1]}${match[2] ? `/${match[2]}` : ""}`;
    }
  });
}
