/** Wire schemas of browser sign-in (`/auth/session`). */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from './schemas.js';

export const SignInStatusSchema = Type.Object(
  {
    principal: Type.Object({
      id: Type.String({ description: "The principal id sessions are owned by: a named token's name, op_… for a bare token, local with auth off" }),
      kind: Type.Union([Type.Literal('operator'), Type.Literal('local'), Type.Literal('run')]),
      run_id: Nullable(Type.String({ description: 'For a run token: its run' })),
    }),
    via: Type.Union([Type.Literal('bearer'), Type.Literal('cookie'), Type.Literal('ticket'), Type.Literal('none')], {
      description: 'How this request authenticated',
    }),
    expires_at: Nullable(Type.String({ format: 'date-time', description: 'When the session cookie expires (only via cookie)' })),
    auth_enabled: Type.Boolean({ description: 'Whether operator tokens are configured' }),
  },
  { description: 'Who this request is authenticated as, and how', title: 'SignInStatus' },
);
export type SignInStatus = Static<typeof SignInStatusSchema>;
