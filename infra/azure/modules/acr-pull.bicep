// Lets the bot's managed identity pull its image from a container registry, which may live in another resource
// group (a force's shared registry): a module, because a role assignment is made in the registry's own scope.

@description('Name of the existing Azure Container Registry that holds the rapid-debrief image.')
param registryName string

@description('Principal (object) id of the user-assigned managed identity that pulls the image.')
param principalId string

// AcrPull: read images and nothing else.
var acrPullRoleId = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: registryName
}

resource acrPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, principalId, acrPullRoleId)
  scope: registry
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPullRoleId)
  }
}

output loginServer string = registry.properties.loginServer
