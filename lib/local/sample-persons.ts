/** The people the sample population registry knows: one list for its REST `persons` service and its SOAP `getPerson`. */
export interface Person {
  readonly id: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly dateOfBirth: string;
}

const PERSONS: Record<string, Person> = {
  '123': { id: '123', givenName: 'Mari', familyName: 'Maasikas', dateOfBirth: '1990-04-12' },
  '456': { id: '456', givenName: 'Jaan', familyName: 'Tamm', dateOfBirth: '1985-11-02' },
};

/** The person with this id, if any (own properties only: an id is a caller's input). */
export const personById = (id: string): Person | undefined => (Object.hasOwn(PERSONS, id) ? PERSONS[id] : undefined);
