import { TRPCError, tracked } from "@trpc/server";
import { z } from "zod";
import { MAX_BUILD_TIMEOUT_S, OWNER_RE, PROJECT_RE } from "@copr/domain";
import { buildView } from "../builds/buildView.ts";
import { deleteBuilds, MAX_DELETE } from "../builds/deleteBuilds.ts";
import { deleteProject } from "../builds/deleteProject.ts";
import { resubmitBuild } from "../builds/resubmitBuild.ts";
import { decodeCursor, watchBuild } from "../builds/watchBuild.ts";
import { buildersList, nextAgentChange } from "../builders/buildersList.ts";
import { adminProcedure, authedProcedure, publicProcedure, router } from "./trpc.ts";
import { newProject } from "../projects/newProject.ts";

const owner = z.string().regex(OWNER_RE, "owner: letters, digits, _ and -");
const projectName = z.string().regex(PROJECT_RE, "project: letters, digits, ., _, + and -");
const agentName = z.string().regex(/^[A-Za-z0-9_-]+:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$/, "worker name: vendor:product:instance");

export const appRouter = router({
  /** Who the token belongs to, with the API login Copr's clients send with it (Basic login:token). */
  whoami: authedProcedure.query(async ({ ctx }) => ({ name: ctx.user.name, admin: ctx.user.admin, login: await ctx.store.accounts.apiLogin(ctx.user.name) })),

  chroots: publicProcedure.query(({ ctx }) => ctx.config.chroots),

  projects: router({
    create: authedProcedure
      .input(z.object({
        name: projectName,
        chroots: z.array(z.string()).min(1, "give at least one chroot"),
        enableNet: z.boolean().optional(),
        description: z.string().max(10_000, "description: at most 10,000 characters").optional(),
        autoPrune: z.boolean().optional(),
      }))
      .mutation(async ({ ctx, input }) => {
        const unknown = input.chroots.filter((c) => !ctx.config.chroots.includes(c));
        if (unknown.length > 0) {
          throw new TRPCError({ code: "BAD_REQUEST", message: `unknown chroot ${unknown.join(", ")}; this server offers: ${ctx.config.chroots.join(", ")}` });
        }
        return await newProject(ctx, ctx.user.name, input.name, input.chroots, {
          enableNet: input.enableNet ?? false,
          ...(input.description === undefined ? {} : { description: input.description.trim() }),
          ...(input.autoPrune === undefined ? {} : { autoPrune: input.autoPrune }),
        });
      }),
    /** Deletes a project and its builds (owner or admin); queued and running builds are canceled first. */
    delete: authedProcedure.input(z.object({ owner, name: projectName })).mutation(async ({ ctx, input }) => {
      const p = await deleteProject(ctx, ctx.user, input.owner, input.name);
      return { deleted: `${p.owner}/${p.name}` };
    }),
    get: publicProcedure.input(z.object({ owner, name: projectName })).query(async ({ ctx, input }) => {
      const p = await ctx.store.projects.getProject(input.owner, input.name);
      if (p === null) throw new TRPCError({ code: "NOT_FOUND", message: `no project ${input.owner}/${input.name}` });
      return p;
    }),
    /** Newest projects, or those whose owner, name or a package name starts with `q`; each with its package names. */
    /** A project's packages, each with its newest build. */
    packages: publicProcedure.input(z.object({ owner, name: projectName })).query(async ({ ctx, input }) => {
      const packages = await ctx.store.projects.projectPackageBuilds(input.owner, input.name);
      const views = await Promise.all(packages.map((p) => buildView(ctx.store, p.buildId)));
      return packages.flatMap((p, i) => {
        const newest = views[i];
        return newest === null || newest === undefined ? [] : [{ name: p.name, newest }];
      });
    }),
    list: publicProcedure
      .input(z.object({ q: z.string().max(100).default(""), limit: z.number().int().min(1).max(500).default(100) }).optional())
      .query(async ({ ctx, input }) => {
        const projects = await ctx.store.projects.searchProjects(input?.q ?? "", input?.limit ?? 100);
        return await Promise.all(projects.map(async (p) => ({ ...p, packages: await ctx.store.projects.projectPackages(p.owner, p.name, 50) })));
      }),
  }),

  builds: router({
    get: publicProcedure.input(z.object({ id: z.number().int().positive() })).query(async ({ ctx, input }) => {
      const v = await buildView(ctx.store, input.id);
      if (v === null) throw new TRPCError({ code: "NOT_FOUND", message: `no build ${input.id}` });
      return v;
    }),
    /** Newest builds first, of one project or all; `before` (a build id) gives the next page. */
    list: publicProcedure
      .input(z.object({
        owner: owner.optional(),
        project: projectName.optional(),
        limit: z.number().int().min(1).max(500).default(50),
        before: z.number().int().positive().optional(),
      }))
      .query(async ({ ctx, input }) => {
        const ids = await ctx.store.builds.listBuildIds(input);
        const views = await Promise.all(ids.map((id) => buildView(ctx.store, id)));
        return views.filter((v) => v !== null);
      }),
    cancel: authedProcedure.input(z.object({ id: z.number().int().positive() })).mutation(async ({ ctx, input }) => {
      const b = await ctx.store.builds.getBuild(input.id);
      if (b === null) throw new TRPCError({ code: "NOT_FOUND", message: `no build ${input.id}` });
      if (b.owner !== ctx.user.name && !ctx.user.admin) {
        throw new TRPCError({ code: "FORBIDDEN", message: `build ${input.id} belongs to ${b.owner}; only the owner or an admin may cancel it` });
      }
      await ctx.queues.control({ kind: "cancel-build", buildId: input.id, by: ctx.user.name });
      return { requested: true };
    }),
    /** Deletes builds (owner or admin): queued and running ones are canceled first; results and repository entries go. */
    delete: authedProcedure
      .input(z.object({ ids: z.array(z.number().int().positive()).min(1, "give at least one build id").max(MAX_DELETE) }))
      .mutation(async ({ ctx, input }) => ({ deleted: await deleteBuilds(ctx, ctx.user, input.ids) })),
    /** A new build of the same source RPM: all its chroots, the given ones, or only the failed ones. */
    resubmit: authedProcedure
      .input(z.object({
        id: z.number().int().positive(),
        chroots: z.array(z.string()).optional(),
        onlyFailed: z.boolean().optional(),
        timeoutS: z.number().int().min(1).max(MAX_BUILD_TIMEOUT_S).optional(),
      }))
      .mutation(({ ctx, input }) => resubmitBuild(ctx, ctx.user, input)),
    /**
     * Something changed among the builds (a build was created, a task moved):
     * one event per burst, so a page showing recent builds and the queue
     * knows when to read them again. Resumes from the last event id (SSE).
     */
    activity: publicProcedure.input(z.object({ lastEventId: z.string().nullish() }).optional()).subscription(async function* ({ ctx, input, signal }) {
      const redis = ctx.store.redis.duplicate();
      redis.on("error", () => undefined);
      let last = input?.lastEventId ?? (await ctx.store.builds.activityCursor());
      try {
        while (signal?.aborted !== true) {
          const { lastId, count } = await ctx.store.builds.waitForActivity(redis, last, 10_000);
          last = lastId;
          if (count > 0) yield tracked(lastId, { changes: count });
        }
      } finally {
        redis.disconnect();
      }
    }),
    /** Live task state changes and log lines; resumes from the last event id (SSE). */
    watch: publicProcedure
      .input(z.object({ id: z.number().int().positive(), lastEventId: z.string().nullish() }))
      .subscription(async function* ({ ctx, input, signal }) {
        for await (const { cursor, event } of watchBuild(ctx.store, input.id, decodeCursor(input.lastEventId), signal)) {
          yield tracked(cursor, event);
        }
      }),
    log: publicProcedure
      .input(z.object({ taskId: z.string().regex(/^\d+-[a-z0-9._-]+$/), after: z.string().regex(/^\d+(-\d+)?$/, "a log entry id such as 1700000000000-0").default("0") }))
      .query(({ ctx, input }) => ctx.store.logs.readLog(input.taskId, input.after)),
  }),

  /** Queue status for the status pages: counters and indexes, never a scan. */
  status: router({
    summary: publicProcedure.query(async ({ ctx }) => {
      const [pending, running] = await Promise.all([ctx.store.status.statusCounts("pending"), ctx.store.status.statusCounts("running")]);
      return { pending, running };
    }),
    /** The last hour, a point per minute: tasks pending and tasks ended (the status page's chart). */
    history: publicProcedure.query(({ ctx }) => ctx.store.status.history(Date.now(), 60)),
    tasks: publicProcedure
      .input(z.object({
        bucket: z.enum(["pending", "running"]),
        group: z.object({ dim: z.enum(["owner", "arch", "chroot"]), value: z.string().min(1).max(200) }).optional(),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(50),
      }))
      .query(({ ctx, input }) => ctx.store.status.statusTasks(input.bucket, input)),
  }),

  /** Registered workers with their live state from heartbeats. */
  builders: router({
    list: publicProcedure.query(({ ctx }) => buildersList(ctx.store, ctx.agents)),
    /** Which Headhunter is active (several may run; one holds the lease) and its fencing epoch; null while none is. */
    headhunter: publicProcedure.query(({ ctx }) => ctx.store.leadership.active()),
    watch: publicProcedure.input(z.object({ lastEventId: z.string().nullish() }).optional()).subscription(async function* ({ ctx, signal }) {
      const aborted = (): boolean => signal?.aborted === true;
      let n = 0;
      while (!aborted()) {
        yield tracked(String(n++), await buildersList(ctx.store, ctx.agents));
        // Without the bus there are no heartbeats to wait for: registrations change rarely.
        if (ctx.agents === undefined) await new Promise((r) => setTimeout(r, 5000));
        else await nextAgentChange(ctx.agents, signal);
      }
    }),
  }),

  /** Fair share: an owner's weight (default 1); admins set it. */
  shares: router({
    get: publicProcedure.input(z.object({ owner: z.string().regex(OWNER_RE) })).query(async ({ ctx, input }) => ({ owner: input.owner, share: await ctx.store.scheduling.share(input.owner) })),
    set: adminProcedure
      .input(z.object({ owner: z.string().regex(OWNER_RE), share: z.number().positive().max(1_000_000) }))
      .mutation(async ({ ctx, input }) => {
        if ((await ctx.store.accounts.getUser(input.owner)) === null) throw new TRPCError({ code: "NOT_FOUND", message: `no user ${input.owner}` });
        await ctx.store.scheduling.setShare(input.owner, input.share);
        return { owner: input.owner, share: input.share };
      }),
  }),

  workers: router({
    add: adminProcedure.input(z.object({ name: agentName })).mutation(async ({ ctx, input }) => {
      const admin = ctx.brokerAdmin;
      if (admin === undefined) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: "copr-web cannot create the worker's broker user: set COPR_BUS_MANAGEMENT_URL and COPR_BROKER_ADMIN_PASSWORD on the copr-web server (see docs/security.md)",
        });
      }
      // The registration comes first: it refuses a name already taken, before anything touches that worker's broker user.
      const { worker, token } = await ctx.store.workers.addWorker(input.name);
      try {
        const broker = await admin.addAgent(worker.name);
        // The broker as copr-web reaches it: the worker's settings start from these.
        const nodes = ctx.config.busNodes?.map((n) => `${n.host}:${n.port}`).join(",");
        const bus = { host: ctx.config.busHost, port: ctx.config.busPort, vhost: ctx.config.busVhost, ...(nodes === undefined ? {} : { nodes }) };
        return { name: worker.name, token, brokerUser: broker.username, brokerPassword: broker.password, bus };
      } catch (error) {
        await ctx.store.workers.removeWorker(worker.name).catch(() => undefined);
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `the broker refused to create the worker's user: ${error instanceof Error ? error.message : String(error)}` });
      }
    }),
    list: publicProcedure.query(async ({ ctx }) =>
      (await ctx.store.workers.listWorkers()).map((w) => ({ name: w.name, drain: w.drain, addedAt: w.addedAt })),
    ),
    drain: adminProcedure.input(z.object({ name: agentName, drain: z.boolean() })).mutation(async ({ ctx, input }) => {
      const w = await ctx.store.workers.setWorkerDrain(input.name, input.drain);
      return { name: w.name, drain: w.drain };
    }),
    remove: adminProcedure.input(z.object({ name: agentName })).mutation(async ({ ctx, input }) => {
      await ctx.store.workers.removeWorker(input.name);
      // Its token stops working now; its broker user goes too, when copr-web may remove it.
      await ctx.brokerAdmin?.removeAgent(input.name);
      return { removed: input.name, brokerUserRemoved: ctx.brokerAdmin !== undefined };
    }),
  }),
});

export type AppRouter = typeof appRouter;
