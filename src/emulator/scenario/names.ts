/** Word lists for generated people and companies. */
export const FIRST_NAMES = [
  'Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Margaret', 'Dennis',
  'Radia', 'Linus', 'Katherine', 'Tim', 'Hedy', 'John', 'Sophie', 'Guido', 'Annie', 'Bjarne',
  'Lynn', 'James', 'Marissa', 'Leslie', 'Carol', 'Vint', 'Shafi', 'Yukihiro', 'Joan', 'Niklaus',
];

export const LAST_NAMES = [
  'Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson', 'Hamilton',
  'Ritchie', 'Perlman', 'Torvalds', 'Johnson', 'Berners-Lee', 'Lamarr', 'McCarthy', 'Wilson',
  'van Rossum', 'Easley', 'Stroustrup', 'Conway', 'Gosling', 'Mayer', 'Lamport', 'Shaw', 'Cerf',
  'Goldwasser', 'Matsumoto', 'Clarke', 'Wirth',
];

export const COMPANY_WORDS = [
  'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne',
  'Soylent', 'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Massive', 'Dynamic', 'Blue', 'Northwind', 'Contoso',
];

export const COMPANY_SUFFIXES = ['Corp', 'Labs', 'Systems', 'Industries', 'Health', 'Bank', 'Logistics', 'Media'];

export const GROUP_NAMES = ['Engineering', 'Sales', 'Support', 'Finance', 'Design', 'Legal', 'Operations', 'Admins'];

export const CONNECTION_TYPES = ['OktaSAML', 'AzureSAML', 'GoogleSAML', 'OneLoginSAML', 'GenericOIDC', 'EntraIdOIDC'];

export const DIRECTORY_TYPES = ['okta scim v2.0', 'azure scim v2.0', 'gsuite directory', 'generic scim v2.0', 'workday'];
