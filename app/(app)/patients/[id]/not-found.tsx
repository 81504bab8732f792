import Link from "next/link";

/** A missing id and another clinic's patient look the same: nothing to show. */
export default function PatientNotFound() {
  return (
    <div className="stack">
      <h1>Patient not found</h1>
      <p>There is no such patient in your clinic. The link may be out of date.</p>
      <p><Link href="/patients">Back to the patient panel</Link></p>
    </div>
  );
}
