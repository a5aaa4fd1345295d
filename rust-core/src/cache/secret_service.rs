//! A minimal Secret Service (org.freedesktop.Secret, gnome-keyring / KWallet) client on zbus.
//!
//! Why not the `keyring`/`secret-service` crates: MSAL (and so Az.Accounts) finds its item by
//! exact attributes (`MsalClientID`, `Microsoft.Developer.IdentityService`) with an
//! `xdg:schema` of `msal.cache` and a label, which keyring's Entry API cannot express, and both
//! crates connect to the bus named by the *process* environment, while AzRs must use the
//! PowerShell session's `DBUS_SESSION_BUS_ADDRESS` (request env). The protocol subset is small:
//! OpenSession("plain"), SearchItems, Unlock, GetSecret, ReadAlias, CreateItem, Delete.
//! "plain" transfers the secret unencrypted over the user's private session socket (as
//! `secret-tool` may); libsecret's `dh-ietf1024` only guards against other bus clients snooping,
//! which the session bus policy already prevents.

use std::collections::HashMap;
use std::time::Duration;
use zbus::blocking::{connection::Builder, Connection};
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};

const DEST: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_IFACE: &str = "org.freedesktop.Secret.Collection";
const ITEM_IFACE: &str = "org.freedesktop.Secret.Item";

/// Why the Secret Service could not be used; the text is safe to show (no secrets).
#[derive(Debug, Clone)]
pub struct SsError(pub String);

impl std::fmt::Display for SsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(what: &str, e: impl std::fmt::Display) -> SsError {
    SsError(format!("{what}: {e}"))
}

pub struct SecretService {
    conn: Connection,
    session: OwnedObjectPath,
}

type SecretStruct<'a> = (ObjectPath<'a>, Vec<u8>, Vec<u8>, &'a str);

impl SecretService {
    /// Connects to the bus at `address` (a D-Bus address string) and opens a plain session.
    pub fn connect(address: &str, timeout: Duration) -> Result<SecretService, SsError> {
        let conn = Builder::address(address)
            .map_err(|e| err("invalid D-Bus address", e))?
            .method_timeout(timeout)
            .build()
            .map_err(|e| err("cannot connect to the D-Bus session bus", e))?;
        let reply = conn
            .call_method(Some(DEST), SERVICE_PATH, Some(SERVICE_IFACE), "OpenSession", &("plain", Value::from("")))
            .map_err(|e| err("no Secret Service on the session bus", e))?;
        let (_, session): (OwnedValue, OwnedObjectPath) = reply.body().deserialize().map_err(|e| err("OpenSession", e))?;
        Ok(SecretService { conn, session })
    }

    fn call<B>(&self, path: &str, iface: &str, method: &str, body: &B) -> Result<zbus::message::Message, SsError>
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.conn.call_method(Some(DEST), path, Some(iface), method, body).map_err(|e| err(method, e))
    }

    /// Items whose attributes include all of `attrs`: (unlocked, locked).
    pub fn search(&self, attrs: &HashMap<&str, &str>) -> Result<(Vec<OwnedObjectPath>, Vec<OwnedObjectPath>), SsError> {
        let reply = self.call(SERVICE_PATH, SERVICE_IFACE, "SearchItems", &(attrs,))?;
        reply.body().deserialize().map_err(|e| err("SearchItems", e))
    }

    /// Unlocks without user interaction; `Err` when the service wants a prompt.
    pub fn unlock(&self, paths: &[OwnedObjectPath]) -> Result<(), SsError> {
        let reply = self.call(SERVICE_PATH, SERVICE_IFACE, "Unlock", &(paths,))?;
        let (_, prompt): (Vec<OwnedObjectPath>, OwnedObjectPath) = reply.body().deserialize().map_err(|e| err("Unlock", e))?;
        if prompt.as_str() != "/" {
            return Err(SsError("the keyring is locked and unlocking it needs a password prompt".into()));
        }
        Ok(())
    }

    pub fn get_secret(&self, item: &OwnedObjectPath) -> Result<Vec<u8>, SsError> {
        let reply = self.call(item.as_str(), ITEM_IFACE, "GetSecret", &(&self.session,))?;
        let (secret,): ((OwnedObjectPath, Vec<u8>, Vec<u8>, String),) = reply.body().deserialize().map_err(|e| err("GetSecret", e))?;
        Ok(secret.2)
    }

    /// The `default` collection (what libsecret's `SECRET_COLLECTION_DEFAULT` means).
    pub fn default_collection(&self) -> Result<OwnedObjectPath, SsError> {
        let reply = self.call(SERVICE_PATH, SERVICE_IFACE, "ReadAlias", &("default",))?;
        let path: OwnedObjectPath = reply.body().deserialize().map_err(|e| err("ReadAlias", e))?;
        if path.as_str() == "/" {
            return Err(SsError("the Secret Service has no default collection".into()));
        }
        Ok(path)
    }

    /// Creates or replaces (same attributes) an item in `collection`.
    pub fn store(&self, collection: &OwnedObjectPath, label: &str, attrs: &HashMap<&str, &str>, secret: &[u8], content_type: &str) -> Result<(), SsError> {
        let mut props: HashMap<&str, Value<'_>> = HashMap::new();
        props.insert("org.freedesktop.Secret.Item.Label", Value::from(label));
        props.insert("org.freedesktop.Secret.Item.Attributes", Value::from(attrs.clone()));
        let s: SecretStruct<'_> = (self.session.as_ref(), Vec::new(), secret.to_vec(), content_type);
        let reply = self.call(collection.as_str(), COLLECTION_IFACE, "CreateItem", &(props, s, true))?;
        let (_, prompt): (OwnedObjectPath, OwnedObjectPath) = reply.body().deserialize().map_err(|e| err("CreateItem", e))?;
        if prompt.as_str() != "/" {
            return Err(SsError("the keyring asked for a prompt to store the item".into()));
        }
        Ok(())
    }

    pub fn delete(&self, item: &OwnedObjectPath) -> Result<(), SsError> {
        let reply = self.call(item.as_str(), ITEM_IFACE, "Delete", &())?;
        let _: OwnedObjectPath = reply.body().deserialize().map_err(|e| err("Delete", e))?;
        Ok(())
    }

    /// The secret of the first item matching `attrs` (unlocking it if that needs no prompt).
    pub fn lookup(&self, attrs: &HashMap<&str, &str>) -> Result<Option<Vec<u8>>, SsError> {
        let (unlocked, locked) = self.search(attrs)?;
        if let Some(item) = unlocked.first() {
            return self.get_secret(item).map(Some);
        }
        if let Some(item) = locked.first() {
            self.unlock(std::slice::from_ref(item))?;
            return self.get_secret(item).map(Some);
        }
        Ok(None)
    }

    /// Deletes every item matching `attrs`.
    pub fn clear(&self, attrs: &HashMap<&str, &str>) -> Result<usize, SsError> {
        let (unlocked, locked) = self.search(attrs)?;
        if !locked.is_empty() {
            self.unlock(&locked)?;
        }
        let mut n = 0;
        for item in unlocked.iter().chain(locked.iter()) {
            self.delete(item)?;
            n += 1;
        }
        Ok(n)
    }
}
