/**
 * Every word of the patient handout (lib/domain/handout.ts, app/(app)/patients/[id]/handout), in
 * one place so that it can be translated: a translation is another object of this shape. Plain
 * language for a reading age of about 12: short sentences, everyday words, the unit spelt out
 * where it helps. Numbers and dates are filled in by the functions.
 */
export interface HandoutWording {
  title: string;
  intro: (name: string, date: string) => string;
  recordNumber: (mrn: string) => string;
  resultsHeading: string;
  columns: { test: string; result: string; lookFor: string; meaning: string };
  tests: {
    grip: { name: string; what: string; lookFor: (cutOff: string) => string };
    chairStand: { name: string; what: string; lookFor: (cutOff: string) => string };
    gait: { name: string; what: string; lookFor: (cutOff: string) => string };
    muscleMass: { name: string; what: string; lookFor: (cutOff: string) => string };
    sarcF: { name: string; what: string; lookFor: (cutOff: string) => string };
    b12: { name: string; what: string; lookFor: (low: string, fine: string) => string };
  };
  meaning: { fine: string; weak: string; slow: string; lowMuscle: string; sarcFHigh: string; b12Low: string; b12Borderline: string; notDone: string; tooOld: string };
  takenOn: (date: string) => string;
  summaryHeading: string;
  summary: { high: string; elevated: string; low: string; unassessed: string };
  nextHeading: string;
  next: {
    b12Test: string;
    b12Confirm: string;
    b12Treat: string;
    muscleMass: string;
    performance: string;
    exercise: string;
    /** `grams`: a range for the patient's weight ("60 to 72"), or null when no weight is on record. */
    protein: (grams: string | null) => string;
    medicines: string;
    plan: string;
    followUp: (date: string) => string;
    followUpVisit: string;
  };
  questions: string;
}

export const HANDOUT_WORDING_EN: HandoutWording = {
  title: "Your muscle and vitamin B12 check",
  intro: (name, date) => `This sheet is for ${name}. It explains your results on ${date}, what they mean and what happens next.`,
  recordNumber: (mrn) => `Your record number: ${mrn}`,
  resultsHeading: "Your results",
  columns: { test: "Test", result: "Your result", lookFor: "What we look for", meaning: "What it means" },
  tests: {
    grip: { name: "Grip strength", what: "How hard you can squeeze with your hand.", lookFor: (c) => `${c} or more` },
    chairStand: { name: "Standing up from a chair 5 times", what: "How long it takes to stand up 5 times.", lookFor: (c) => `${c} or less` },
    gait: { name: "Walking speed", what: "How fast you walk at your normal pace.", lookFor: (c) => `faster than ${c}` },
    muscleMass: { name: "Muscle in your arms and legs", what: "Measured with a scan.", lookFor: (c) => `${c} or more` },
    sarcF: { name: "Questionnaire (SARC-F)", what: "Five questions about everyday tasks.", lookFor: (c) => `a score below ${c}` },
    b12: { name: "Vitamin B12 in your blood", what: "A blood test.", lookFor: (low, fine) => `above ${fine} (below ${low} is low)` },
  },
  meaning: {
    fine: "This is in the usual range.",
    weak: "Your muscles are weaker than we would like.",
    slow: "This is slower than we would like.",
    lowMuscle: "You have less muscle than we would like.",
    sarcFHigh: "Your answers suggest everyday tasks have got harder.",
    b12Low: "Your vitamin B12 is low.",
    b12Borderline: "Your vitamin B12 is borderline. Another test can tell us more.",
    notDone: "Not done yet.",
    tooOld: "This result is more than a year old, so we did not use it.",
  },
  takenOn: (date) => `on ${date}`,
  summaryHeading: "What this means",
  summary: {
    high: "Your results show a problem with muscle strength or muscle size, or a low vitamin B12 level together with weaker muscles. We want to help you with this soon.",
    elevated: "Some of your results are not as good as we would like. This is an early sign. Acting now can help keep you strong.",
    low: "Your results are in the usual range. Keep doing what you are doing.",
    unassessed: "We do not have enough recent results yet to say how your muscles are.",
  },
  nextHeading: "What happens next",
  next: {
    b12Test: "We would like to check your vitamin B12 with a blood test.",
    b12Confirm: "We would like to do one more blood test to be sure about your vitamin B12.",
    b12Treat: "Your vitamin B12 is low. We will talk with you about treatment, such as injections or tablets.",
    muscleMass: "We would like to measure the muscle in your arms and legs with a scan.",
    performance: "We would like to time a short walk to see how your muscles work.",
    exercise: "Do exercises that make your muscles work hard, like standing up from a chair, lifting light weights or using a resistance band, at least 2 times a week. Walk every day if you can.",
    protein: (grams) =>
      `Eat some protein at every meal: for example eggs, fish, meat, beans, lentils, milk, yoghurt or cheese. ${grams ? `Aim for about ${grams} grams of protein a day.` : "Aim for about 1 to 1.2 grams of protein a day for every kilogram you weigh."}`,
    medicines: "We will look at your medicines with you. Some medicines can affect your muscles or your balance.",
    plan: "We will make a plan with you to build up your strength, and check how it is going.",
    followUp: (date) => `We would like to see you again by ${date}.`,
    followUpVisit: "We will check your muscles again at your next visit.",
  },
  questions: "If you have questions, ask your doctor or nurse. Bring this sheet to your next visit.",
};
