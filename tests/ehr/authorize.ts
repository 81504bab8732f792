/**
 * The browser's trip through the test EHR's launcher (SMART's reference launcher): follows the
 * authorization URL's redirects until the launcher sends the user back to `redirectUri`, and
 * returns that callback URL.
 */
export async function authorizeThroughLauncher(url: string, redirectUri: string): Promise<string> {
  let next = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetch(next, { redirect: "manual" });
    const location = response.headers.get("location");
    if (!location) throw new Error(`The launcher answered ${response.status} without a redirect: ${(await response.text()).slice(0, 300)}`);
    const target = new URL(location, next).toString();
    if (target.startsWith(redirectUri)) return target;
    next = target;
  }
  throw new Error("Too many redirects");
}
