/** The X-Road id fields of an opmon record for tax-records calling population's `persons` (the demo's exchange). */
export const PERSONS_CALL_IDS = {
  clientXRoadInstance: 'DEV',
  clientMemberClass: 'GOV',
  clientMemberCode: '70000002',
  clientSubsystemCode: 'tax-records',
  serviceXRoadInstance: 'DEV',
  serviceMemberClass: 'GOV',
  serviceMemberCode: '70000001',
  serviceSubsystemCode: 'population',
  serviceCode: 'persons',
} as const;
