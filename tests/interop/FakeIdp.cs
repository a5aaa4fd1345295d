// A stand-in for the Entra endpoints MSAL.NET calls during a username/password sign-in, answered
// in memory through MSAL's IMsalHttpClientFactory: no network, no TLS, and MSAL.NET itself builds
// and persists the cache entries from a real token response.
using System;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Identity.Client;

namespace AzRsTest
{
    public class FakeIdpHandler : HttpMessageHandler
    {
        public string TokenResponse;
        public int TokenCalls;
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            string path = request.RequestUri.AbsolutePath;
            string body;
            if (path.Contains("/userrealm/"))
                body = "{\"ver\":\"1.0\",\"account_type\":\"Managed\",\"domain_name\":\"contoso.test\",\"cloud_instance_name\":\"microsoftonline.com\",\"cloud_audience_urn\":\"urn:federation:MicrosoftOnline\"}";
            else if (path.EndsWith("/oauth2/v2.0/token"))
            {
                TokenCalls++;
                body = TokenResponse ?? "{\"error\":\"invalid_grant\",\"error_description\":\"no token configured\"}";
            }
            else if (path.Contains("/discovery/instance"))
                // The real instance metadata for the public cloud: MSAL.NET caches under login.windows.net.
                body = "{\"tenant_discovery_endpoint\":\"https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration\",\"api-version\":\"1.1\",\"metadata\":[{\"preferred_network\":\"login.microsoftonline.com\",\"preferred_cache\":\"login.windows.net\",\"aliases\":[\"login.microsoftonline.com\",\"login.windows.net\",\"login.microsoft.com\",\"sts.windows.net\"]}]}";
            else
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"error\":\"not_found\"}", Encoding.UTF8, "application/json") });
            var status = body.StartsWith("{\"error\"") ? HttpStatusCode.BadRequest : HttpStatusCode.OK;
            return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }

    public class FakeIdpFactory : IMsalHttpClientFactory
    {
        public FakeIdpHandler Handler = new FakeIdpHandler();
        public HttpClient GetHttpClient() { return new HttpClient(Handler); }
    }
}
