export { ProfileCatalog, buildCatalog, projectProfilesDir, profileNameOf, legacyTypesFile } from './profile-catalog.js';
