// Rapid Debrief on Azure: the bot (Azure Container Apps, at least two replicas), its PostgreSQL flexible server,
// a Key Vault for its secrets (read by a user-assigned managed identity), Log Analytics for every log, and the
// single-tenant Azure Bot with its Teams channel. Deploy into an empty resource group in a UK region:
//
//   az deployment group create --resource-group <rg> --template-file infra/azure/main.bicep \
//     --parameters @infra/azure/main.parameters.json botClientSecret=... postgresAdministratorPassword=...
//
// docs/deployment.md walks through it from an empty subscription. Content is OFFICIAL-SENSITIVE: keep the
// location in the UK (uksouth, or ukwest) and prefer privateNetworking=true.

targetScope = 'resourceGroup'

// --- where, and what things are called ------------------------------------------------------------------------

@description('Azure region for everything except the Azure Bot (which is global). UK South by default.')
@allowed([
  'uksouth'
  'ukwest'
])
param location string = 'uksouth'

@description('Short name the resource names are built from (lower-case letters and digits).')
@minLength(3)
@maxLength(12)
param baseName string = 'rdebrief'

@description('Tags put on every resource (for example owner, cost centre, data classification).')
param tags object = {
  application: 'rapid-debrief'
  classification: 'OFFICIAL-SENSITIVE'
}

@description('Log Analytics workspace name.')
param logAnalyticsName string = 'log-${baseName}'

@description('User-assigned managed identity name (reads Key Vault secrets and pulls the image).')
param identityName string = 'id-${baseName}'

// Names that must be unique across Azure end in a short suffix made from the resource group's id.
@description('Key Vault name (3 to 24 characters, unique across Azure).')
@maxLength(24)
param keyVaultName string = take('kv-${baseName}-${take(uniqueString(resourceGroup().id), 6)}', 24)

@description('PostgreSQL flexible server name (unique across Azure: it becomes a DNS name).')
param postgresServerName string = 'psql-${baseName}-${take(uniqueString(resourceGroup().id), 6)}'

@description('Container Apps environment name.')
param containerAppsEnvironmentName string = 'cae-${baseName}'

@description('Container app name (at most 32 characters: lower-case letters, digits and hyphens).')
@maxLength(32)
param containerAppName string = 'ca-${baseName}'

@description('Azure Bot resource name (the bot handle; unique across Azure).')
param botName string = 'bot-${baseName}-${take(uniqueString(resourceGroup().id), 6)}'

@description('Virtual network name (used only with privateNetworking).')
param virtualNetworkName string = 'vnet-${baseName}'

// --- the bot's identity in Entra ID -----------------------------------------------------------------------------

@description('Application (client) id of the bot\'s single-tenant Entra ID app registration (MicrosoftAppId).')
@minLength(36)
@maxLength(36)
param botAppId string

@description('The force\'s Entra ID tenant id (MicrosoftAppTenantId). The tenant being deployed to by default.')
param tenantId string = subscription().tenantId

@description('The app registration\'s client secret (MicrosoftAppPassword). Stored in Key Vault only.')
@secure()
param botClientSecret string

@description('The bearer token a metrics scraper sends for GET /metrics (DEBRIEF_METRICS_TOKEN), 32 characters or more. Stored in Key Vault only.')
@secure()
@minLength(32)
param metricsToken string

@description('Azure Bot pricing tier: F0 (free, limited premium-channel messages) or S1 (standard).')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'S1'

@description('Name people see for the bot in the Azure portal.')
param botDisplayName string = 'Rapid Debrief'

// --- the container ----------------------------------------------------------------------------------------------

@description('The image to run, for example crforceexample.azurecr.io/rapid-debrief:1.0.0 (pin a version).')
param containerImage string

@description('Name of an Azure Container Registry holding the image; the identity is given AcrPull on it. Empty for a public image.')
param containerRegistryName string = ''

@description('Resource group of that registry (this one by default).')
param containerRegistryResourceGroup string = resourceGroup().name

@description('Port the bot listens on inside the container (PORT).')
param botPort int = 3978

@description('Fewest replicas: two or more, so that one instance failing or restarting never stops the bot.')
@minValue(2)
@maxValue(10)
param minReplicas int = 2

@description('Most replicas when scaled out on concurrent requests.')
@minValue(2)
@maxValue(10)
param maxReplicas int = 4

@description('vCPU per replica (0.25 to 4, in steps the Consumption profile allows; memory must be twice this in Gi).')
param containerCpu string = '0.5'

@description('Memory per replica, for example 1Gi (twice the vCPU).')
param containerMemory string = '1Gi'

@description('A custom domain the bot is reached on (its certificate bound separately). Empty: the Container Apps address.')
param customDomainHostName string = ''

// --- Rapid Debrief settings (bot/settings.py; README "Configuration") ------------------------------------------

@description('DEBRIEF_REVIEW_TEAM_CHANNEL_ID: the review team\'s channel id (19:...@thread.tacv2).')
@minLength(1)
param reviewTeamChannelId string

@description('DEBRIEF_WORKING_GROUP_CHANNEL_ID: the working group\'s channel; empty for the review team\'s.')
param workingGroupChannelId string = ''

@description('DEBRIEF_BOARD_CHANNEL_ID: the board\'s channel; empty for the working group\'s.')
param boardChannelId string = ''

@description('DEBRIEF_GRAPH_GROUP_REVIEW_TEAM: object id of the review team\'s Entra ID group (required).')
@minLength(36)
@maxLength(36)
param reviewTeamGroupId string

@description('DEBRIEF_GRAPH_GROUP_SIO: object id of the senior investigating officers\' group; empty for none.')
param sioGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_WORKING_GROUP: object id of the rapid debrief working group\'s group; empty for none.')
param workingGroupGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_BOARD: object id of the homicide prevention board\'s group; empty for none.')
param boardGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_INFORMATION_MANAGER: object id of the information managers\' group; empty for none.')
param informationManagerGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_DISCLOSURE_OFFICER: object id of the disclosure officers\' group; empty for none.')
param disclosureOfficerGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_ADMINISTRATOR: object id of the administrators\' group; empty for none.')
param administratorGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_PARTNERS: object id of the group whose guests are partner contacts; empty for none.')
param partnersGroupId string = ''

@description('DEBRIEF_GRAPH_GROUP_OFFICERS: object id of the group listed as officers; empty for none.')
param officersGroupId string = ''

@description('DEBRIEF_GRAPH_PARTNER_DOMAINS: domain=agency,... for partner guests; empty for none.')
param partnerDomains string = ''

@description('DEBRIEF_GRAPH_ONLINE_MEETINGS: create Teams meetings through Graph (needs OnlineMeetings.ReadWrite.All and an application access policy).')
param onlineMeetings bool = false

@description('DEBRIEF_RETENTION_YEARS: years from a case\'s closure to its retention review.')
@minValue(1)
@maxValue(100)
param retentionYears int = 6

// --- database ---------------------------------------------------------------------------------------------------

@description('PostgreSQL major version.')
@allowed([
  '15'
  '16'
  '17'
])
param postgresVersion string = '16'

@description('Administrator login of the flexible server (the bot connects as it; see docs/deployment.md for a least-privilege role).')
param postgresAdministratorLogin string = 'debriefadmin'

@description('Administrator password. Stored in the server and, inside DATABASE_URL, in Key Vault; never a default.')
@secure()
@minLength(16)
param postgresAdministratorPassword string

@description('Compute size, for example Standard_D2ds_v5 (General Purpose; zone-redundant HA needs General Purpose or Memory Optimised).')
param postgresSkuName string = 'Standard_D2ds_v5'

@description('Compute tier.')
@allowed([
  'GeneralPurpose'
  'MemoryOptimized'
  'Burstable'
])
param postgresSkuTier string = 'GeneralPurpose'

@description('Storage in GiB (it grows automatically).')
@allowed([
  32
  64
  128
  256
  512
])
param postgresStorageSizeGB int = 64

@description('Zone-redundant high availability: a standby in another availability zone (not with Burstable).')
param postgresZoneRedundantHa bool = true

@description('Days of point-in-time restore (7 to 35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 35

@description('Copy backups to the paired region (UK West for UK South), still in the UK.')
param postgresGeoRedundantBackup bool = false

@description('The bot\'s database.')
param databaseName string = 'debrief'

// --- network ----------------------------------------------------------------------------------------------------

@description('true: a virtual network; the database and Key Vault are reachable only from it (private access). false: public endpoints with firewall rules.')
param privateNetworking bool = false

@description('Address space of the virtual network (privateNetworking).')
param virtualNetworkAddressPrefix string = '10.40.0.0/16'

@description('Subnet for the Container Apps environment (at least /27; delegated to Microsoft.App/environments).')
param appsSubnetPrefix string = '10.40.0.0/23'

@description('Subnet for the PostgreSQL flexible server (delegated to it).')
param postgresSubnetPrefix string = '10.40.2.0/24'

@description('Subnet for private endpoints (Key Vault).')
param privateEndpointsSubnetPrefix string = '10.40.3.0/24'

@description('Without privateNetworking: allow connections to PostgreSQL from Azure services (the Container Apps outbound addresses are not fixed). The password and TLS still apply.')
param postgresAllowAzureServices bool = true

@description('Without privateNetworking: more PostgreSQL firewall rules, each { name, startIpAddress, endIpAddress } (for example an operator\'s fixed address for restores).')
param postgresFirewallRules array = []

@description('Key Vault public network access. Disabled needs privateNetworking (the app then reads it through a private endpoint).')
@allowed([
  'Enabled'
  'Disabled'
])
param keyVaultPublicNetworkAccess string = privateNetworking ? 'Disabled' : 'Enabled'

@description('Zone-redundant Container Apps environment (needs privateNetworking, for its subnet).')
param appsZoneRedundant bool = false

@description('Days Log Analytics keeps logs (30 to 730).')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

// --- derived values -------------------------------------------------------------------------------------------

// Key Vault Secrets User: read secret values, nothing else.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var publicHost = empty(customDomainHostName)
  ? '${containerAppName}.${environment.properties.defaultDomain}'
  : customDomainHostName
var publicUrl = 'https://${publicHost}'
var messagingEndpoint = '${publicUrl}/api/messages'
// Teams allows an app about 50 sends a second per tenant; each replica keeps its own count, so each gets its share.
var tenantSendsPerReplica = 50 / maxReplicas
var postgresPrivateDnsZoneName = '${postgresServerName}.private.postgres.database.azure.com'
// asyncpg (through SQLAlchemy) takes ssl=require: TLS on every connection; the server refuses anything else.
var databaseUrl = 'postgresql://${uriComponent(postgresAdministratorLogin)}:${uriComponent(postgresAdministratorPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?ssl=require'

// --- logging ------------------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

// --- identity and secrets -----------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: keyVaultPublicNetworkAccess
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: keyVaultPublicNetworkAccess == 'Enabled' ? 'Allow' : 'Deny'
    }
  }
}

resource botClientSecretInVault 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'microsoft-app-password'
  properties: {
    value: botClientSecret
    contentType: 'Entra ID client secret of the Rapid Debrief app registration'
  }
}

resource metricsTokenInVault 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'metrics-token'
  properties: {
    value: metricsToken
    contentType: 'Bearer token for Rapid Debrief GET /metrics'
  }
}

resource postgresPasswordInVault 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'postgres-administrator-password'
  properties: {
    value: postgresAdministratorPassword
    contentType: 'PostgreSQL administrator password'
  }
}

resource databaseUrlInVault 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: keyVault
  name: 'database-url'
  properties: {
    value: databaseUrl
    contentType: 'DATABASE_URL for Rapid Debrief'
  }
}

resource identityReadsSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, keyVaultSecretsUserRoleId)
  scope: keyVault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
  }
}

module acrPull 'modules/acr-pull.bicep' = if (!empty(containerRegistryName)) {
  name: 'acr-pull-${baseName}'
  scope: resourceGroup(containerRegistryResourceGroup)
  params: {
    registryName: containerRegistryName
    principalId: identity.properties.principalId
  }
}

// --- private network (privateNetworking) -------------------------------------------------------------------------

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' = if (privateNetworking) {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        virtualNetworkAddressPrefix
      ]
    }
    subnets: [
      {
        name: 'apps'
        properties: {
          addressPrefix: appsSubnetPrefix
          delegations: [
            {
              name: 'container-apps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: postgresSubnetPrefix
          delegations: [
            {
              name: 'postgres-flexible-server'
              properties: {
                serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
              }
            }
          ]
        }
      }
      {
        name: 'private-endpoints'
        properties: {
          addressPrefix: privateEndpointsSubnetPrefix
          privateEndpointNetworkPolicies: 'Enabled'
        }
      }
    ]
  }
}

resource postgresDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (privateNetworking) {
  name: postgresPrivateDnsZoneName
  location: 'global'
  tags: tags
}

resource postgresDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (privateNetworking) {
  parent: postgresDnsZone
  name: 'link-${virtualNetworkName}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetwork.id
    }
  }
}

resource keyVaultDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (privateNetworking) {
  name: 'privatelink.vaultcore.azure.net'
  location: 'global'
  tags: tags
}

resource keyVaultDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (privateNetworking) {
  parent: keyVaultDnsZone
  name: 'link-${virtualNetworkName}'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetwork.id
    }
  }
}

resource keyVaultPrivateEndpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = if (privateNetworking) {
  name: 'pe-${keyVaultName}'
  location: location
  tags: tags
  properties: {
    subnet: {
      id: '${virtualNetwork.id}/subnets/private-endpoints'
    }
    privateLinkServiceConnections: [
      {
        name: 'vault'
        properties: {
          privateLinkServiceId: keyVault.id
          groupIds: [
            'vault'
          ]
        }
      }
    ]
  }
}

resource keyVaultPrivateDns 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = if (privateNetworking) {
  parent: keyVaultPrivateEndpoint
  name: 'vault'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: 'vault'
        properties: {
          privateDnsZoneId: keyVaultDnsZone.id
        }
      }
    ]
  }
}

// --- database -------------------------------------------------------------------------------------------------------

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: postgresServerName
  location: location
  tags: tags
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdministratorLogin
    administratorLoginPassword: postgresAdministratorPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: postgresStorageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: postgresBackupRetentionDays
      geoRedundantBackup: postgresGeoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: postgresZoneRedundantHa ? 'ZoneRedundant' : 'Disabled'
    }
    network: privateNetworking
      ? {
          publicNetworkAccess: 'Disabled'
          delegatedSubnetResourceId: '${virtualNetwork.id}/subnets/postgres'
          privateDnsZoneArmResourceId: postgresDnsZone.id
        }
      : {
          publicNetworkAccess: 'Enabled'
        }
  }
  dependsOn: [
    postgresDnsLink
  ]
}

// TLS on every connection, 1.2 at least. The server applies one configuration change at a time, hence the chain.
resource requireTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: postgres
  name: 'require_secure_transport'
  properties: {
    value: 'on'
    source: 'user-override'
  }
}

resource minimumTls 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2024-08-01' = {
  parent: postgres
  name: 'ssl_min_protocol_version'
  properties: {
    value: 'TLSv1.2'
    source: 'user-override'
  }
  dependsOn: [
    requireTls
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    minimumTls
  ]
}

resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = if (!privateNetworking && postgresAllowAzureServices) {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
}

@batchSize(1)
resource firewallRules 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = [
  for rule in (privateNetworking ? [] : postgresFirewallRules): {
    parent: postgres
    name: rule.name
    properties: {
      startIpAddress: rule.startIpAddress
      endIpAddress: rule.endIpAddress
    }
    dependsOn: [
      allowAzureServices
    ]
  }
]

// --- the app ------------------------------------------------------------------------------------------------------

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: containerAppsEnvironmentName
  location: location
  tags: tags
  properties: {
    // Logs go to Log Analytics through the diagnostic setting below (no shared key in the environment).
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
    zoneRedundant: privateNetworking && appsZoneRedundant
    vnetConfiguration: privateNetworking
      ? {
          infrastructureSubnetId: '${virtualNetwork.id}/subnets/apps'
          internal: false
        }
      : null
  }
}

// Every setting below is one bot/settings.py reads; names must match it exactly (tests/unit/infra checks).
var requiredSettings = [
  {
    name: 'HOST'
    value: '0.0.0.0'
  }
  {
    name: 'PORT'
    value: string(botPort)
  }
  {
    name: 'DEBRIEF_ENVIRONMENT'
    value: 'production'
  }
  {
    name: 'MicrosoftAppId'
    value: botAppId
  }
  {
    name: 'MicrosoftAppType'
    value: 'SingleTenant'
  }
  {
    name: 'MicrosoftAppTenantId'
    value: tenantId
  }
  {
    name: 'MicrosoftAppPassword'
    secretRef: 'microsoft-app-password'
  }
  {
    name: 'DATABASE_URL'
    secretRef: 'database-url'
  }
  {
    name: 'DEBRIEF_METRICS_TOKEN'
    secretRef: 'metrics-token'
  }
  {
    name: 'DEBRIEF_PUBLIC_URL'
    value: publicUrl
  }
  {
    name: 'DEBRIEF_REVIEW_TEAM_CHANNEL_ID'
    value: reviewTeamChannelId
  }
  {
    name: 'DEBRIEF_DIRECTORY'
    value: 'graph'
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_REVIEW_TEAM'
    value: reviewTeamGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_ONLINE_MEETINGS'
    value: onlineMeetings ? 'true' : 'false'
  }
  {
    name: 'DEBRIEF_TENANT_SENDS_PER_S'
    value: string(tenantSendsPerReplica)
  }
  {
    name: 'DEBRIEF_RETENTION_YEARS'
    value: string(retentionYears)
  }
]

// Optional settings are left out when empty, so the app applies its own defaults.
var optionalSettings = [
  {
    name: 'DEBRIEF_WORKING_GROUP_CHANNEL_ID'
    value: workingGroupChannelId
  }
  {
    name: 'DEBRIEF_BOARD_CHANNEL_ID'
    value: boardChannelId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_SIO'
    value: sioGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_WORKING_GROUP'
    value: workingGroupGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_BOARD'
    value: boardGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_INFORMATION_MANAGER'
    value: informationManagerGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_DISCLOSURE_OFFICER'
    value: disclosureOfficerGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_ADMINISTRATOR'
    value: administratorGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_PARTNERS'
    value: partnersGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_GROUP_OFFICERS'
    value: officersGroupId
  }
  {
    name: 'DEBRIEF_GRAPH_PARTNER_DOMAINS'
    value: partnerDomains
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: containerAppName
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        targetPort: botPort
        transport: 'http'
        allowInsecure: false
        traffic: [
          {
            latestRevision: true
            weight: 100
          }
        ]
      }
      // Key Vault references, read with the managed identity: no secret value is held in the app's definition.
      secrets: [
        {
          name: 'microsoft-app-password'
          keyVaultUrl: botClientSecretInVault.properties.secretUri
          identity: identity.id
        }
        {
          name: 'database-url'
          keyVaultUrl: databaseUrlInVault.properties.secretUri
          identity: identity.id
        }
        {
          name: 'metrics-token'
          keyVaultUrl: metricsTokenInVault.properties.secretUri
          identity: identity.id
        }
      ]
      registries: empty(containerRegistryName)
        ? []
        : [
            {
              server: '${containerRegistryName}.azurecr.io'
              identity: identity.id
            }
          ]
    }
    template: {
      containers: [
        {
          name: 'rapid-debrief'
          image: containerImage
          resources: {
            cpu: json(containerCpu)
            memory: containerMemory
          }
          env: concat(requiredSettings, filter(optionalSettings, setting => !empty(setting.value)))
          probes: [
            {
              // Start-up runs the database migrations before /healthz answers: give it time.
              type: 'Startup'
              httpGet: {
                path: '/healthz'
                port: botPort
              }
              initialDelaySeconds: 5
              periodSeconds: 5
              failureThreshold: 36
              timeoutSeconds: 3
            }
            {
              type: 'Readiness'
              httpGet: {
                path: '/healthz'
                port: botPort
              }
              periodSeconds: 10
              failureThreshold: 3
              timeoutSeconds: 3
            }
            {
              // /healthz answers 503 while the database is unreachable: restart only after minutes of that.
              type: 'Liveness'
              httpGet: {
                path: '/healthz'
                port: botPort
              }
              periodSeconds: 30
              failureThreshold: 6
              timeoutSeconds: 5
            }
          ]
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'http-concurrency'
            http: {
              metadata: {
                concurrentRequests: '50'
              }
            }
          }
        ]
      }
    }
  }
  dependsOn: [
    identityReadsSecrets
    acrPull
    database
    keyVaultPrivateDns
  ]
}

// --- the Azure Bot and its Teams channel ----------------------------------------------------------------------------

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botName
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: botAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: tenantId
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
      deploymentEnvironment: 'CommercialDeployment'
    }
  }
}

// --- diagnostic settings: everything to Log Analytics -------------------------------------------------------------

resource environmentDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    // Resource-specific tables: ContainerAppConsoleLogs and ContainerAppSystemLogs.
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'ContainerAppConsoleLogs'
        enabled: true
      }
      {
        category: 'ContainerAppSystemLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource keyVaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: keyVault
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource postgresDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: postgres
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'PostgreSQLLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

resource botDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: bot
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'BotRequest'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

// --- outputs ------------------------------------------------------------------------------------------------------

@description('The app\'s public host name (DEBRIEF_PUBLIC_URL without https://).')
output appFqdn string = app.properties.configuration.ingress.fqdn

@description('The public address the bot uses for itself (DEBRIEF_PUBLIC_URL; make package needs it).')
output publicUrl string = publicUrl

@description('The Azure Bot\'s messaging endpoint.')
output messagingEndpoint string = messagingEndpoint

@description('The Key Vault holding the secrets (rotate the client secret there).')
output keyVaultName string = keyVault.name

@description('The PostgreSQL server\'s host name.')
output postgresHost string = postgres.properties.fullyQualifiedDomainName

@description('The Log Analytics workspace\'s id (for queries).')
output logAnalyticsCustomerId string = logAnalytics.properties.customerId
