export { ProfileCatalog, buildCatalog, projectProfilesDir, profileNameOf } from './profile-catalog.js';
