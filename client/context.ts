// What every route of the console sees: the services behind it, and who is asking.
import type { Client } from '@temporalio/client';
import type { Db } from '../db/pool.js';
import type { UserRole } from '../db/users.js';

export interface ConsoleContext {
  db: Db;
  temporal: Client;
  publicUrl: string;
  linkSecret: string;
  mailboxEnabled: boolean;
  now(): Promise<Date>;
}

/** A logged-in account of the console. */
export interface ConsoleUser {
  id: number;
  name: string;
  displayName: string;
  role: UserRole;
}

declare module 'fastify' {
  interface FastifyInstance {
    console: ConsoleContext;
  }
  interface FastifyRequest {
    user?: ConsoleUser;
  }
  interface Session {
    userId?: number;
    userName?: string;
    role?: UserRole;
    _csrf?: string;
  }
}
