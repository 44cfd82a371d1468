/** Browser sign-ins (session cookies), a part of the Store. Only a hash of each cookie is kept. */
export interface SignIn {
  cookie_hash: string;
  /** The principal id it authenticates as. */
  principal: string;
  /** Fingerprint of the operator token that signed in (`local` with auth off). */
  token_id: string;
  created_at: string;
  expires_at: string;
}

export interface SignInStore {
  save(signIn: SignIn): Promise<void>;
  /** The sign-in of this cookie hash, unless it expired before `now`. */
  find(cookieHash: string, now: Date): Promise<SignIn | undefined>;
  /** Whether there was one to delete. */
  delete(cookieHash: string): Promise<boolean>;
  /** Ends every sign-in made with a token not in this list; returns how many. */
  keepTokens(tokenIds: string[]): Promise<number>;
  /** Ends every sign-in made with these tokens; returns how many. */
  deleteForTokens(tokenIds: string[]): Promise<number>;
  prune(now: Date): Promise<number>;
}
