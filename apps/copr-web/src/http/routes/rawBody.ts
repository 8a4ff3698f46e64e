import type { FastifyInstance } from "fastify";

/**
 * Leaves request bodies of this plugin's routes unread, whatever their type,
 * so handlers stream `request.raw` themselves (SRPMs, result files) with their
 * own size limits.
 */
export function streamRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (_req, _payload, done) => done(null));
}
