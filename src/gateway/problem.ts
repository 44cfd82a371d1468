import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, problemType, type ErrorCode } from '../domain/errors.js';

export function problemBody(code: ErrorCode, detail: string, extra?: Record<string, unknown>, instance?: string) {
  const { status, title } = ERRORS[code];
  return { type: problemType(code), title, status, detail, code, ...(instance ? { instance } : {}), ...extra };
}

export function sendProblem(reply: FastifyReply, code: ErrorCode, detail: string, extra?: Record<string, unknown>) {
  const body = problemBody(code, detail, extra, reply.request.url.split('?')[0]);
  if (code === 'unauthorized' || code === 'token_expired') reply.header('WWW-Authenticate', 'Bearer realm="agentd"');
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Maps fastify's own errors (body parsing, limits, validation) to our catalogue. */
function classify(error: FastifyError): { code: ErrorCode; detail: string } {
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return { code: 'validation_failed', detail: `${where}${error.message.startsWith(where) ? error.message.slice(where.length) : ` ${error.message}`}` };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: 'request body exceeds the configured limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', detail: 'send JSON with Content-Type: application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', detail: 'Content-Type is application/json but the body is empty' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'invalid_json', detail: 'request body is not valid JSON' };
  }
  if (error instanceof SyntaxError) return { code: 'invalid_json', detail: 'request body is not valid JSON' };
  const status = error.statusCode ?? 500;
  if (status === 413) return { code: 'payload_too_large', detail: 'request body exceeds the configured limit' };
  if (status === 415) return { code: 'unsupported_media_type', detail: 'unsupported Content-Type' };
  if (status >= 400 && status < 500) return { code: 'bad_request', detail: error.message };
  return { code: 'internal_error', detail: 'the server failed to handle this request; see the daemon log' };
}

export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) return sendProblem(reply, error.code, error.message, error.extra);
    const { code, detail } = classify(error);
    if (code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, code, detail);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 'route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );
}
