import { redirect } from "next/navigation";
import { getActor } from "@/lib/auth/session";
import { HOME_BY_ROLE } from "@/lib/data/access/roles";

export default async function Home() {
  const actor = await getActor();
  redirect(actor ? HOME_BY_ROLE[actor.role] : "/login");
}
