import "server-only";
import type { Db, Tx } from "@/lib/data/db/client";
import { appendAudit } from "@/lib/data/audit/log";
import type { Actor } from "@/lib/data/access/actor";
import { actorId } from "@/lib/data/access/actor";
import { AppError } from "@/lib/errors";
import { decodeSavedViewQuery } from "@/lib/data/stored/values";

export interface SavedViewInput {
  name: string;
  /** The panel's canonical URL search string (lib/validation/panel-query.ts savedViewQueryString). */
  query: string;
  isShared: boolean;
}

/** Views the actor may open: their own and those shared in their clinic, with who owns each. */
export async function listSavedViews(db: Db, actor: Actor) {
  const ownerId = actorId(actor);
  const views = await db.savedView.findMany({
    where: { clinicId: actor.clinicId, OR: [{ isShared: true }, ...(ownerId ? [{ ownerId }] : [])] },
    select: { id: true, name: true, query: true, isShared: true, ownerId: true, updatedAt: true, owner: { select: { name: true } } },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
  return views.map(({ owner, ...view }) => ({ ...view, query: decodeSavedViewQuery(view.query, view.id), ownerName: owner.name, isMine: view.ownerId === ownerId }));
}

function requireOwnerId(actor: Actor): string {
  const ownerId = actorId(actor);
  if (!ownerId) throw new AppError("forbidden", "Only a signed-in user can save a view.");
  return ownerId;
}

export async function saveView(db: Db, actor: Actor, input: SavedViewInput, at: Date = new Date()) {
  const ownerId = requireOwnerId(actor);
  return db.$transaction(async (tx) => {
    const view = await tx.savedView.create({
      data: { clinicId: actor.clinicId, ownerId, name: input.name, query: input.query, isShared: input.isShared },
      select: { id: true },
    });
    await appendAudit(tx, actor, [{ action: "view.create", entityType: "saved_view", entityId: view.id, detail: { ...input } }], at);
    return view;
  });
}

/**
 * Renames, re-points (new query) or shares/unshares a view. Only its owner may; anyone else —
 * including a colleague who can open a shared view — gets "not found" or "forbidden", never a change.
 */
export async function updateSavedView(db: Db, actor: Actor, id: string, changes: Partial<SavedViewInput>, at: Date = new Date()) {
  const ownerId = requireOwnerId(actor);
  return db.$transaction(async (tx) => {
    const before = await ownedView(tx, actor, ownerId, id);
    const view = await tx.savedView.update({ where: { id }, data: changes, select: { id: true, name: true, query: true, isShared: true } });
    const changed = Object.fromEntries(
      (Object.keys(changes) as (keyof SavedViewInput)[]).filter((key) => before[key] !== view[key]).map((key) => [key, { from: before[key], to: view[key] }]),
    );
    await appendAudit(tx, actor, [{ action: "view.update", entityType: "saved_view", entityId: id, detail: { changes: changed } }], at);
    return view;
  });
}

export async function deleteSavedView(db: Db, actor: Actor, id: string, at: Date = new Date()) {
  const ownerId = requireOwnerId(actor);
  await db.$transaction(async (tx) => {
    const before = await ownedView(tx, actor, ownerId, id);
    await tx.savedView.delete({ where: { id } });
    await appendAudit(tx, actor, [{ action: "view.delete", entityType: "saved_view", entityId: id, detail: { name: before.name, query: before.query, isShared: before.isShared } }], at);
  });
}

async function ownedView(tx: Tx, actor: Actor, ownerId: string, id: string) {
  const view = await tx.savedView.findFirst({ where: { id, clinicId: actor.clinicId }, select: { name: true, query: true, isShared: true, ownerId: true } });
  if (!view || (!view.isShared && view.ownerId !== ownerId)) throw new AppError("not_found", "That saved view does not exist or is not yours.");
  if (view.ownerId !== ownerId) throw new AppError("forbidden", "Only the person who saved a view may change or delete it.");
  return view;
}
