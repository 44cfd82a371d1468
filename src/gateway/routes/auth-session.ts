import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { SignInStatusSchema, type SignInStatus } from '../../protocol/auth.js';
import { SIGN_IN_COOKIE } from '../../services/sign-ins.js';
import type { GatewayDeps } from '../deps.js';

/**
 * Browser sign-in: `POST /auth/session` with an operator token sets an HttpOnly, SameSite=Strict
 * session cookie, accepted on every route; `DELETE` signs it out; `GET` says who is signed in.
 * CSRF defence is the Origin check and the no-simple-POST rule in exposure.ts.
 */
export const authSessionRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const status = (request: FastifyRequest, expiresAt: string | null): SignInStatus => ({
    principal: { id: request.principal.id, kind: request.principal.kind, run_id: request.principal.run?.runId ?? null },
    via: request.auth.via,
    expires_at: expiresAt,
    auth_enabled: deps.tokens.enabled,
  });

  // Secure when the browser is on https (TLS here or at a proxy: its Origin says so); a Secure
  // cookie on plain http would be dropped by the browser.
  const secure = (request: FastifyRequest) => request.protocol === 'https' || (request.headers.origin ?? '').startsWith('https:');
  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAge: number) =>
    reply.setCookie(SIGN_IN_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'strict', secure: secure(request), maxAge });

  app.get(
    '/auth/session',
    {
      schema: {
        operationId: 'getSignIn',
        summary: 'Who this request is authenticated as, and how (for a web page: whether it is signed in)',
        response: { 200: SignInStatusSchema },
      },
    },
    async (request) => status(request, request.auth.expiresAt),
  );

  app.post(
    '/auth/session',
    {
      schema: {
        operationId: 'signIn',
        summary: 'Sign a browser in: with an operator token, set an HttpOnly session cookie accepted on every route and stream',
        problems: ['forbidden'],
        response: { 201: SignInStatusSchema },
      },
    },
    async (request, reply) => {
      const { cookie, signIn } = await deps.signIns.create(request.principal, request.auth);
      setCookie(request, reply, cookie, deps.signIns.ttlSeconds);
      request.log.info({ principal: request.principal.id, token: request.auth.tokenId }, 'browser signed in');
      return reply.code(201).send({ ...status(request, signIn.expires_at), via: 'cookie' as const });
    },
  );

  app.delete(
    '/auth/session',
    {
      schema: {
        operationId: 'signOut',
        summary: 'Sign out: revoke the session cookie presented (and end the streams it opened); always clears it',
        response: { 204: Type.Null({ description: 'Signed out' }) },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[SIGN_IN_COOKIE];
      const ended = cookie === undefined ? undefined : await deps.signIns.end(cookie);
      if (ended) {
        deps.streams.endWhere((s) => s.credential?.signIn === ended, 'signed_out', 'the session cookie that opened this stream was signed out');
        request.log.info({ principal: request.principal?.id ?? null }, 'browser signed out');
      }
      setCookie(request, reply, '', 0);
      return reply.code(204).send(null);
    },
  );
};
